package config

import _ "embed"

//go:embed example.yaml
var example []byte

// Example returns a commented example config that sets every key to its
// default, plus one group and two routes. It parses without errors.
func Example() []byte { return append([]byte(nil), example...) }
