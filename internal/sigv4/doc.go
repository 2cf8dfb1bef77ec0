// Package sigv4 authenticates requests signed with AWS Signature Version 4
// (AWS4-HMAC-SHA256) against deskplane's credential store, and signs
// requests for the load tool and tests.
//
// A credential store maps access keys to secrets and 12-digit accounts; a
// verified request yields an Identity whose account comes from the store and
// whose region and service come from the credential scope. Both the
// Authorization header and presigned query strings are accepted. Failures
// are *AuthError values carrying the __type, HTTP status and message an AWS
// JSON-protocol service answers with (docs/decisions/0002-sigv4-errors.md).
//
// Temporary credentials (sessions.go): an access key that is not in the
// store is looked up, with the request's session token
// (X-Amz-Security-Token), in Options.Sessions — the credentials STS issued
// (docs/decisions/0292-sts-temporary-credentials.md). A key of the store
// may send a token too; it is signed like any header and not checked.
//
// What deskplane does not model: SigV4a,
// S3's single-encoded paths, chunked (streaming) payloads and
// UNSIGNED-PAYLOAD, and replay protection, which AWS does not offer either
// within the 15-minute window.
package sigv4
