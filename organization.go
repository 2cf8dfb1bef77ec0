package deskplane

// AWS Organizations membership, as far as WorkSpaces needs it: BYOL images
// may be shared only with accounts of the owner's organization (under the
// same payer account). deskplane serves no AWS Organizations, so the
// membership is a control setting (docs/CONTROL-API.md), kept in the
// account-wide scope Scope{Account: a} (no Region): a reset of the account
// clears it. docs/decisions/0329-byol-image-sharing.md.

// OrganizationRecordID is the id of an account's organization record
// (kind KindOrganization).
const OrganizationRecordID = "organization"

// DefaultOrganizationID is the organization of every account without a
// setting: by default all accounts are in one organization, so that BYOL
// images can be shared as long as no test says otherwise.
const DefaultOrganizationID = "o-deskplane0"

// Organization is an account's membership of an organization.
type Organization struct {
	// ID is the organization's id (o- and 10 to 32 lowercase letters or
	// digits); "" means the account is in no organization.
	ID string `json:"organizationId"`
}

// OrganizationKey returns the key of an account's organization record.
func OrganizationKey(account string) Key {
	return Key{Scope: Scope{Account: account}, Kind: KindOrganization, ID: OrganizationRecordID}
}

// OrganizationOf returns the id of the organization an account is in (""
// for none).
func OrganizationOf(tx Tx, account string) (string, error) {
	o := Organization{ID: DefaultOrganizationID}
	if _, err := Load(tx, OrganizationKey(account), &o); err != nil {
		return "", err
	}
	return o.ID, nil
}

// SameOrganization reports whether two accounts are members of one
// organization.
func SameOrganization(tx Tx, a, b string) (bool, error) {
	oa, err := OrganizationOf(tx, a)
	if err != nil || oa == "" {
		return false, err
	}
	ob, err := OrganizationOf(tx, b)
	return oa == ob, err
}
