// Package smithy is the hand-written runtime support for the API packages that
// deskplane/internal/gen generates (internal/wsapi, internal/dsapi,
// internal/dsdataapi, internal/stsapi, internal/iamapi, internal/ec2api): the
// wire timestamp, validation violations in the Coral message format, the
// errors that the generated dispatchers return before a request reaches a
// service (serialization, unknown operation) or when a service does not
// implement an operation yet, and the encoding helpers of the generated
// code: JSON appenders, XML appenders and the query-protocol form.
//
// It uses the standard library only and holds no package-level state.
package smithy
