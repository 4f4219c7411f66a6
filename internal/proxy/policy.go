package proxy

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/identity"
	"github.com/mtlsguard/mtlsguard/internal/inspect"
	"github.com/mtlsguard/mtlsguard/internal/limit"
)

// policy is the config compiled for the request path: every (group, route)
// pair's limits are resolved once at start-up, so a request only indexes a
// table.
type policy struct {
	groups []groupMatcher
	routes []route // longest prefix first
	// limits[g+1][r+1]: g = -1 no group, r = -1 no route.
	limits  [][]limits
	classes []string // rate classes: 0 is "default", then one per route with its own rate
}

type groupMatcher struct {
	name         string
	ou, cn       []string
	spiffePrefix string
}

type route struct {
	prefix      string
	methods     []string // nil: every method
	allowGroups []int
	allowIDs    map[string]bool
	restricted  bool
	index       int // position in the config, for limits
}

// limits are the effective per-identity limits of one (group, route) pair.
type limits struct {
	rateOn       bool
	rate         limit.Policy
	class        int    // index of the limiter this rate lives in
	policyHeader string // RateLimit-Policy value, precomputed
	name         string // the policy's name in RateLimit headers, quoted
	maxInflight  int
	maxConns     int
	maxBody      int64
	json         inspect.JSONLimits
	xml          inspect.XMLLimits
	multipart    inspect.MultipartLimits
	weight       int
}

func compilePolicy(c *config.Config) *policy {
	p := &policy{classes: []string{"default"}}
	for _, g := range c.Groups {
		p.groups = append(p.groups, groupMatcher{name: g.Name, ou: g.Match.OU, cn: g.Match.CN, spiffePrefix: g.Match.SPIFFEPrefix})
	}
	routeClass := make([]int, len(c.Routes))
	for i, r := range c.Routes {
		rt := route{prefix: r.Path, methods: upper(r.Methods), index: i}
		if r.Overrides.Rate != nil {
			routeClass[i] = len(p.classes)
			p.classes = append(p.classes, r.Path)
		}
		for _, a := range r.Allow {
			rt.restricted = true
			if id, ok := strings.CutPrefix(a, "id:"); ok {
				if rt.allowIDs == nil {
					rt.allowIDs = map[string]bool{}
				}
				rt.allowIDs[id] = true
				continue
			}
			for gi, g := range c.Groups {
				if g.Name == a {
					rt.allowGroups = append(rt.allowGroups, gi)
				}
			}
		}
		p.routes = append(p.routes, rt)
	}
	sort.SliceStable(p.routes, func(i, j int) bool { return len(p.routes[i].prefix) > len(p.routes[j].prefix) })

	p.limits = make([][]limits, len(c.Groups)+1)
	for g := -1; g < len(c.Groups); g++ {
		base := c.Defaults
		if g >= 0 {
			base = base.With(c.Groups[g].Overrides)
		}
		row := make([]limits, len(c.Routes)+1)
		row[0] = compileLimits(base, 0, p.classes[0])
		for r, rc := range c.Routes {
			row[r+1] = compileLimits(base.With(rc.Overrides), routeClass[r], p.classes[routeClass[r]])
		}
		p.limits[g+1] = row
	}
	return p
}

func compileLimits(l config.Limits, class int, className string) limits {
	out := limits{
		class:       class,
		name:        strconv.Quote(className),
		maxInflight: l.MaxInflight,
		maxConns:    l.MaxConns,
		maxBody:     l.MaxBody,
		json:        inspect.JSONLimits{MaxDepth: l.JSON.MaxDepth, MaxTokens: l.JSON.MaxTokens, MaxString: l.JSON.MaxString, MaxNumber: int64(l.JSON.MaxNumber)},
		xml:         inspect.XMLLimits{MaxDepth: l.XML.MaxDepth, AllowDoctype: l.XML.Doctype == "allow"},
		multipart:   inspect.MultipartLimits{MaxParts: l.Multipart.MaxParts, MaxPartSize: l.Multipart.MaxPartSize},
		weight:      max(l.Weight, 1),
	}
	if l.Rate.N > 0 {
		out.rateOn = true
		out.rate = limit.NewPolicy(l.Rate.N, l.Rate.Per, max(l.Burst, 1))
		out.policyHeader = out.name + ";q=" + strconv.Itoa(out.rate.Limit()) + ";w=" + strconv.Itoa(ceilSeconds(out.rate.Window()))
	}
	return out
}

func upper(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// groupsOf returns the indexes of every group the identity matches, in config
// order. The first is the identity's group for limits; all count for allow lists.
func (p *policy) groupsOf(id *identity.Identity) []int {
	var out []int
	for i, g := range p.groups {
		if g.matches(id) {
			out = append(out, i)
		}
	}
	return out
}

func (g *groupMatcher) matches(id *identity.Identity) bool {
	for _, want := range g.ou {
		for _, have := range id.OUs {
			if want == have {
				return true
			}
		}
	}
	for _, want := range g.cn {
		if want == id.CN {
			return true
		}
	}
	if g.spiffePrefix != "" && id.SPIFFE != "" && strings.HasPrefix(id.SPIFFE, g.spiffePrefix) {
		return true
	}
	return false
}

// match returns the route for a cleaned path and method, or nil.
func (p *policy) match(cleanPath, method string) *route {
	for i := range p.routes {
		r := &p.routes[i]
		if !pathHasPrefix(cleanPath, r.prefix) {
			continue
		}
		if r.methods == nil || contains(r.methods, method) {
			return r
		}
	}
	return nil
}

// allowed reports whether an identity with these groups and key may use r.
func (r *route) allowed(groups []int, key string) bool {
	if !r.restricted {
		return true
	}
	if r.allowIDs[key] {
		return true
	}
	for _, g := range groups {
		for _, a := range r.allowGroups {
			if g == a {
				return true
			}
		}
	}
	return false
}

// limitsFor picks the effective limits for the identity's first group and a route.
func (p *policy) limitsFor(groups []int, r *route) *limits {
	g := 0
	if len(groups) > 0 {
		g = groups[0] + 1
	}
	ri := 0
	if r != nil {
		ri = r.index + 1
	}
	return &p.limits[g][ri]
}

// pathHasPrefix matches whole segments: /api/upload matches /api/upload and
// /api/upload/x but not /api/uploads; a prefix ending in / matches what is below it.
func pathHasPrefix(p, prefix string) bool {
	if !strings.HasPrefix(p, prefix) {
		return false
	}
	return len(p) == len(prefix) || strings.HasSuffix(prefix, "/") || p[len(prefix)] == '/'
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// cleanPath resolves dot segments and repeated slashes, keeping a trailing
// slash, so that /api//admin/ and /api/x/../admin/ meet the same route policy
// the app's router would apply. The proxy forwards the cleaned path.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	c := path.Clean(p)
	if !strings.HasSuffix(p, "/") || c == "/" {
		return c
	}
	if c == p[:len(p)-1] {
		return p // already clean: no allocation
	}
	return c + "/"
}
