package config

import _ "embed"

// ExampleYAML is the commented configuration `registrar init` writes: every
// key with its default and one line on what it does. docs/registrar.example.yaml
// is the same file (a test keeps them equal and checks it names every key).
//
//go:embed example.yaml
var ExampleYAML []byte
