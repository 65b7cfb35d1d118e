// Package server assembles a Registrar node: it opens the store, loads the
// master key, provisions workspaces and keys, builds the services and
// handlers onto one ServeMux, and runs the HTTP server until its context
// ends, draining in-flight requests. It is the only package that knows
// every other one; nothing imports it but cmd/registrar and tests.
package server
