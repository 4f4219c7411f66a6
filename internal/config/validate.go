package config

import (
	"fmt"
	"net"
	"slices"
	"strings"
)

// validate reports what no single key can be blamed for alone: missing
// required keys and contradictions between keys.
func validate(d *decoder, c *Config) {
	requireKeys(d)
	checkBurst(d, "defaults", c.Defaults)
	for _, g := range c.Groups {
		checkGroup(d, c, g)
	}
	checkRoutes(d, c)
	checkListeners(d, c)
	checkOpenAPI(d, c)
	if cp := c.UpstreamCapacity; cp.Min > cp.Max {
		d.failAt(d.line("upstream_capacity.min"), "upstream_capacity.min",
			fmt.Sprintf("min %d is greater than max %d", cp.Min, cp.Max), "lower min or raise max")
	}
}

func (d *decoder) hasFailed(path string) bool { return d.failed[path] }

// parentPath is "tls" for "tls.cert" and "" for a top-level key.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// line is the line of path in the file, or of its nearest parent that is
// there, or 1.
func (d *decoder) line(path string) int {
	for ; path != ""; path = parentPath(path) {
		if l, ok := d.lines[path]; ok {
			return l
		}
	}
	return 1
}

var required = []struct{ key, fix string }{
	{"listen", "add listen: with the address the proxy serves mTLS on, e.g. listen: 127.0.0.1:8443"},
	{"upstream", "add upstream: with the app's base URL, e.g. upstream: http://127.0.0.1:8000"},
	{"tls.cert", "add cert: under tls with the server certificate file (PEM), e.g. server.crt"},
	{"tls.key", "add key: under tls with the server's private key file (PEM), e.g. server.key"},
	{"tls.client_ca", "add client_ca: under tls with the CA file (PEM) that signs client certificates, e.g. ca.crt"},
}

func requireKeys(d *decoder) {
	for _, r := range required {
		if _, ok := d.lines[r.key]; ok || d.failed[r.key] || d.failed[parentPath(r.key)] {
			continue
		}
		problem := "required"
		if r.key == "tls.key" && d.lines["tls.cert"] != 0 {
			problem = fmt.Sprintf("required: tls.cert (line %d) needs its private key", d.lines["tls.cert"])
		}
		d.failAt(d.line(r.key), r.key, problem, r.fix)
	}
}

// checkBurst rejects a rate with no burst: GCRA would admit nothing. Groups
// and routes are checked only where they set rate or burst themselves, so
// that one bad default is reported once.
func checkBurst(d *decoder, section string, l Limits) {
	if l.Rate.Unlimited() || l.Burst >= 1 || d.failed[section+".rate"] || d.failed[section+".burst"] {
		return
	}
	key := section + ".burst"
	if _, ok := d.lines[key]; !ok {
		key = section + ".rate"
	}
	d.failAt(d.line(key), key, fmt.Sprintf("rate %s with burst %d admits no request", l.Rate, l.Burst),
		fmt.Sprintf("set burst to at least 1, e.g. %d, or write rate: off", max(2*l.Rate.N, 1)))
}

func checkGroup(d *decoder, c *Config, g Group) {
	path := "groups." + g.Name
	criteria := []string{path + ".match.ou", path + ".match.cn", path + ".match.spiffe_prefix"}
	if len(g.Match.OU) == 0 && len(g.Match.CN) == 0 && g.Match.SPIFFEPrefix == "" && !d.failed[path] && !slices.ContainsFunc(criteria, d.hasFailed) {
		d.failAt(g.Line, path+".match", "the group matches no certificate",
			"add match: with ou, cn or spiffe_prefix, e.g. match: {ou: admins}")
	}
	if g.Overrides.Rate != nil || g.Overrides.Burst != nil {
		checkBurst(d, path, c.Defaults.With(g.Overrides))
	}
}

func checkRoutes(d *decoder, c *Config) {
	groups := map[string]bool{}
	for _, g := range c.Groups {
		groups[g.Name] = true
	}
	seen := map[string]int{}
	for i, r := range c.Routes {
		path := fmt.Sprintf("routes[%d]", i)
		if _, ok := d.lines[path+".path"]; !ok && !d.failed[path] {
			d.failAt(r.Line, path+".path", "required", "add path: with the path prefix this route covers, e.g. path: /api/")
		}
		if r.Overrides.Rate != nil || r.Overrides.Burst != nil {
			checkBurst(d, path, c.Defaults.With(r.Overrides))
		}
		for j, name := range r.Allow {
			if !strings.HasPrefix(name, AllowIDPrefix) && !groups[name] {
				key := fmt.Sprintf("%s.allow[%d]", path, j)
				d.failAt(d.line(key), key, fmt.Sprintf("no group named %s", name),
					fmt.Sprintf("define it under groups, or write id:%s for a single identity", name))
			}
		}
		sig := routeSignature(r)
		if first, dup := seen[sig]; dup && r.Path != "" {
			d.failAt(r.Line, path, fmt.Sprintf("same path and methods as the route at line %d", first),
				"merge the two routes into one")
			continue
		}
		seen[sig] = r.Line
	}
}

// routeSignature identifies a route by its path and its set of methods.
func routeSignature(r Route) string {
	m := slices.Clone(r.Methods)
	slices.Sort(m)
	return r.Path + " " + strings.Join(slices.Compact(m), ",")
}

// checkListeners rejects the metrics listener on the proxy's own address.
// Port 0 picks a free port each time, so it never collides.
func checkListeners(d *decoder, c *Config) {
	if c.Metrics == "" || c.Listen == "" {
		return
	}
	lh, lp, _ := net.SplitHostPort(c.Listen)
	mh, mp, _ := net.SplitHostPort(c.Metrics)
	sameHost := lh == mh || lh == "" || mh == "" || lh == "0.0.0.0" || mh == "0.0.0.0" || lh == "::" || mh == "::"
	if lp == mp && lp != "0" && sameHost {
		d.failAt(d.line("metrics"), "metrics", fmt.Sprintf("%s collides with listen (%s)", c.Metrics, c.Listen),
			"give the metrics listener its own port, e.g. 127.0.0.1:9090")
	}
}
