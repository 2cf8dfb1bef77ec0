package main

// Regenerate every API package: `go generate ./internal/gen` (or
// `go generate ./...`) runs the generator in this directory; it finds the
// repository root by itself. CI runs `go run ./internal/gen -check`.
//go:generate go run .
