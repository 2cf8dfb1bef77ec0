// Package deskplane is the domain of an emulator of the Amazon WorkSpaces API:
// the resources it keeps, their states and transitions, the errors the
// service can answer, and the interfaces of the things it stands on — the
// store, the clock and the lifecycle engine.
//
// The package uses the standard library only. Adapters live under internal/
// and are named after what they adapt (bolt, postgres, sigv4, awsjson…).
package deskplane
