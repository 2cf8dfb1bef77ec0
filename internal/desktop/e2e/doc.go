// Package e2e holds the end-to-end tests of real desktops: deskplane
// started in-process with -desktops local, WorkSpaces made and changed
// through aws-sdk-go-v2, and each change checked on the desktop itself
// (docs/decisions/0184-desktop-reconciler.md). The tests skip where the
// host cannot run desktops (root and the Debian packages of README, Real
// desktops), except under CI, where .ci/run runs them in a step of their
// own with DESKPLANE_DESKTOP_E2E=1.
package e2e
