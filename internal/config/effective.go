package config

import (
	"crypto/tls"
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml"
)

// redacted stands in for an inline secret in Effective's output.
const redacted = "(redacted)"

// Effective renders c as YAML with every default filled in, in the same
// shape as the file. An inline sign_secret is redacted; a secret file or
// environment variable is shown by name. Without a secret the output parses
// back into the same Config.
func (c *Config) Effective() ([]byte, error) {
	doc := yaml.MapSlice{
		{Key: "listen", Value: c.Listen},
		{Key: "upstream", Value: c.Upstream.String()},
		{Key: "tls", Value: c.TLS.mapSlice()},
		{Key: "identity", Value: c.Identity.mapSlice()},
		{Key: "defaults", Value: c.Defaults.mapSlice()},
	}
	if len(c.Groups) > 0 {
		groups := yaml.MapSlice{}
		for _, g := range c.Groups {
			groups = append(groups, yaml.MapItem{Key: g.Name, Value: g.mapSlice()})
		}
		doc = append(doc, yaml.MapItem{Key: "groups", Value: groups})
	}
	if len(c.Routes) > 0 {
		routes := make([]yaml.MapSlice, len(c.Routes))
		for i, r := range c.Routes {
			routes[i] = r.mapSlice()
		}
		doc = append(doc, yaml.MapItem{Key: "routes", Value: routes})
	}
	doc = append(doc,
		yaml.MapItem{Key: "timeouts", Value: c.Timeouts.mapSlice()},
		yaml.MapItem{Key: "http", Value: yaml.MapSlice{
			{Key: "max_header_bytes", Value: formatSize(int64(c.HTTP.MaxHeaderBytes))},
			{Key: "max_concurrent_streams", Value: c.HTTP.MaxConcurrentStreams},
			{Key: "max_connections", Value: c.HTTP.MaxConnections},
		}},
		yaml.MapItem{Key: "state", Value: yaml.MapSlice{
			{Key: "max_identities", Value: c.State.MaxIdentities},
			{Key: "idle_ttl", Value: formatDuration(c.State.IdleTTL)},
		}},
		yaml.MapItem{Key: "upstream_capacity", Value: c.UpstreamCapacity.mapSlice()},
	)
	if c.OpenAPI.Spec != "" {
		doc = append(doc, yaml.MapItem{Key: "openapi", Value: yaml.MapSlice{
			{Key: "spec", Value: c.OpenAPI.Spec},
			{Key: "enforce", Value: c.OpenAPI.Enforce},
			{Key: "unknown_operations", Value: c.OpenAPI.UnknownOperations},
		}})
	}
	doc = append(doc,
		yaml.MapItem{Key: "metrics", Value: orOff(c.Metrics)},
		yaml.MapItem{Key: "log", Value: yaml.MapSlice{
			{Key: "format", Value: c.Log.Format},
			{Key: "level", Value: c.Log.Level},
			{Key: "access", Value: c.Log.Access},
		}},
	)
	out, err := yaml.MarshalWithOptions(doc, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("render effective config: %w", err)
	}
	return out, nil
}

func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}

func (t TLS) mapSlice() yaml.MapSlice {
	m := yaml.MapSlice{{Key: "cert", Value: t.Cert}, {Key: "key", Value: t.Key}, {Key: "client_ca", Value: t.ClientCA}}
	if t.CRL != "" {
		m = append(m, yaml.MapItem{Key: "crl", Value: t.CRL})
	}
	version := "1.2"
	if t.MinVersion == tls.VersionTLS13 {
		version = "1.3"
	}
	return append(m, yaml.MapItem{Key: "min_version", Value: version})
}

func (id Identity) mapSlice() yaml.MapSlice {
	m := yaml.MapSlice{
		{Key: "key", Value: string(id.Key)},
		{Key: "forward", Value: nonNil(id.Forward)},
		{Key: "strip_headers", Value: nonNil(id.StripHeaders)},
	}
	if key := id.signSource[0]; key != "" {
		m = append(m, yaml.MapItem{Key: key, Value: id.signSource[1]})
	}
	return append(m, yaml.MapItem{Key: "sign_header", Value: id.SignHeader})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (l Limits) mapSlice() yaml.MapSlice {
	return yaml.MapSlice{
		{Key: "rate", Value: l.Rate.String()},
		{Key: "burst", Value: l.Burst},
		{Key: "max_inflight", Value: l.MaxInflight},
		{Key: "max_conns", Value: l.MaxConns},
		{Key: "max_body", Value: formatSize(l.MaxBody)},
		{Key: "json", Value: yaml.MapSlice{
			{Key: "max_depth", Value: l.JSON.MaxDepth},
			{Key: "max_tokens", Value: l.JSON.MaxTokens},
			{Key: "max_string", Value: formatSize(l.JSON.MaxString)},
			{Key: "max_number", Value: l.JSON.MaxNumber},
		}},
		{Key: "xml", Value: yaml.MapSlice{
			{Key: "max_depth", Value: l.XML.MaxDepth},
			{Key: "doctype", Value: l.XML.Doctype},
		}},
		{Key: "multipart", Value: yaml.MapSlice{
			{Key: "max_parts", Value: l.Multipart.MaxParts},
			{Key: "max_part_size", Value: formatSize(l.Multipart.MaxPartSize)},
		}},
		{Key: "weight", Value: l.Weight},
	}
}

// mapSlice lists only the fields o sets, in the order of Limits.
func (o Overrides) mapSlice() yaml.MapSlice {
	var m yaml.MapSlice
	add := func(m *yaml.MapSlice, key string, set bool, v func() any) {
		if set {
			*m = append(*m, yaml.MapItem{Key: key, Value: v()})
		}
	}
	add(&m, "rate", o.Rate != nil, func() any { return o.Rate.String() })
	add(&m, "burst", o.Burst != nil, func() any { return *o.Burst })
	add(&m, "max_inflight", o.MaxInflight != nil, func() any { return *o.MaxInflight })
	add(&m, "max_conns", o.MaxConns != nil, func() any { return *o.MaxConns })
	add(&m, "max_body", o.MaxBody != nil, func() any { return formatSize(*o.MaxBody) })
	var js, xs, ms yaml.MapSlice
	add(&js, "max_depth", o.JSON.MaxDepth != nil, func() any { return *o.JSON.MaxDepth })
	add(&js, "max_tokens", o.JSON.MaxTokens != nil, func() any { return *o.JSON.MaxTokens })
	add(&js, "max_string", o.JSON.MaxString != nil, func() any { return formatSize(*o.JSON.MaxString) })
	add(&js, "max_number", o.JSON.MaxNumber != nil, func() any { return *o.JSON.MaxNumber })
	add(&xs, "max_depth", o.XML.MaxDepth != nil, func() any { return *o.XML.MaxDepth })
	add(&xs, "doctype", o.XML.Doctype != nil, func() any { return *o.XML.Doctype })
	add(&ms, "max_parts", o.Multipart.MaxParts != nil, func() any { return *o.Multipart.MaxParts })
	add(&ms, "max_part_size", o.Multipart.MaxPartSize != nil, func() any { return formatSize(*o.Multipart.MaxPartSize) })
	add(&m, "json", js != nil, func() any { return js })
	add(&m, "xml", xs != nil, func() any { return xs })
	add(&m, "multipart", ms != nil, func() any { return ms })
	add(&m, "weight", o.Weight != nil, func() any { return *o.Weight })
	return m
}

func (g Group) mapSlice() yaml.MapSlice {
	var match yaml.MapSlice
	if len(g.Match.OU) > 0 {
		match = append(match, yaml.MapItem{Key: "ou", Value: g.Match.OU})
	}
	if len(g.Match.CN) > 0 {
		match = append(match, yaml.MapItem{Key: "cn", Value: g.Match.CN})
	}
	if g.Match.SPIFFEPrefix != "" {
		match = append(match, yaml.MapItem{Key: "spiffe_prefix", Value: g.Match.SPIFFEPrefix})
	}
	return append(yaml.MapSlice{{Key: "match", Value: match}}, g.Overrides.mapSlice()...)
}

func (r Route) mapSlice() yaml.MapSlice {
	m := yaml.MapSlice{{Key: "path", Value: r.Path}}
	if len(r.Methods) > 0 {
		m = append(m, yaml.MapItem{Key: "methods", Value: r.Methods})
	}
	if len(r.Allow) > 0 {
		m = append(m, yaml.MapItem{Key: "allow", Value: r.Allow})
	}
	return append(m, r.Overrides.mapSlice()...)
}

func (t Timeouts) mapSlice() yaml.MapSlice {
	return yaml.MapSlice{
		{Key: "read_header", Value: formatDuration(t.ReadHeader)},
		{Key: "body", Value: formatDuration(t.Body)},
		{Key: "idle", Value: formatDuration(t.Idle)},
		{Key: "upstream", Value: formatDuration(t.Upstream)},
		{Key: "drain", Value: formatDuration(t.Drain)},
	}
}

func (c Capacity) mapSlice() yaml.MapSlice {
	inflight := "off"
	switch {
	case c.Auto:
		inflight = "auto"
	case c.MaxInflight > 0:
		inflight = strconv.Itoa(c.MaxInflight)
	}
	return yaml.MapSlice{
		{Key: "max_inflight", Value: inflight},
		{Key: "min", Value: c.Min},
		{Key: "max", Value: c.Max},
		{Key: "max_queue", Value: c.MaxQueue},
		{Key: "max_queue_wait", Value: formatDuration(c.MaxQueueWait)},
	}
}
