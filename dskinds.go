package deskplane

// The Directory Service record kinds and timing transitions stay in the root:
// the fault table (faults.go) and the timing profiles (timing.go) name them.
// The records, states and tables that use them are in the directory domain
// package (decision 0106).

// The Directory Service record kinds.
const (
	KindDSSnapshot   Kind = "dssnapshot"   // s-
	KindDSTrust      Kind = "dstrust"      // t-
	KindDSCert       Kind = "dscert"       // c-
	KindDSSchemaExt  Kind = "dsschemaext"  // e-
	KindDSAssessment Kind = "dsassessment" // da-
	// KindDSAlias reserves a directory alias (CreateAlias) for the
	// directory that took it, in GlobalScope(): id = the alias, a record
	// naming the directory.
	KindDSAlias Kind = "dsalias"
	// KindDSComputer is a computer account (CreateComputer): id = directory
	// id + "/" + lower-cased computer name.
	KindDSComputer Kind = "dscomputer"
)

// Directory Service transitions of the timing profiles (timing.go).
const (
	TDSTrust           Transition = "ds.trust"    // Creating → Created, Verifying → Verified, Updating, Deleting
	TDSSnapshot        Transition = "ds.snapshot" // snapshot Creating → Completed; directory Restoring → Active
	TDSSchemaExtension Transition = "ds.schema"   // each step of a schema extension
	TDSSetting         Transition = "ds.setting"  // RADIUS, LDAPS, settings, updates, domain controllers
)
