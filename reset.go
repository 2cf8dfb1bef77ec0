package deskplane

import "slices"

// ValidAccountID reports whether id is an AWS account id: 12 digits.
func ValidAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ResetAccount deletes every record and timer of account (Tx.Reset) and
// what other accounts keep of it: it leaves the permissions of the images
// and connection aliases other accounts shared with it, an alias
// association with one of its directories ends, and the other party's copy
// of each of its account links goes. Without this an owner
// would go on listing a permission for an account that no longer knows of
// it.
func ResetAccount(tx Tx, account string) error {
	gone := func() error { return nil } // a share whose resource is gone already
	regions, err := tx.Regions(account)
	if err != nil {
		return err
	}
	for _, region := range regions {
		sc := Scope{Account: account, Region: region}
		var images, aliases, links []Key
		if err := ImageShares().Each(tx, sc, 0, func(_ int64, sh *ImageShare) (bool, error) {
			images = append(images, Images().Key(Scope{Account: sh.Owner, Region: region}, sh.ImageID))
			return true, nil
		}); err != nil {
			return err
		}
		if err := AliasShares().Each(tx, sc, 0, func(_ int64, sh *AliasShare) (bool, error) {
			aliases = append(aliases, ConnectionAliases().Key(Scope{Account: sh.Owner, Region: region}, sh.AliasID))
			return true, nil
		}); err != nil {
			return err
		}
		if err := AccountLinks().Each(tx, sc, 0, func(_ int64, l *AccountLink) (bool, error) {
			other := l.TargetAccount
			if other == account {
				other = l.SourceAccount
			}
			if other != account {
				links = append(links, AccountLinks().Key(Scope{Account: other, Region: region}, l.ID))
			}
			return true, nil
		}); err != nil {
			return err
		}
		for _, k := range links {
			if _, err := tx.Delete(k); err != nil {
				return err
			}
		}
		for _, k := range images {
			if err := Modify(tx, k, gone, func(img *Image) error {
				img.SharedWith = slices.DeleteFunc(img.SharedWith, func(a string) bool { return a == account })
				return nil
			}); err != nil {
				return err
			}
		}
		for _, k := range aliases {
			if err := Modify(tx, k, gone, func(a *ConnectionAlias) error {
				a.SharedWith = slices.DeleteFunc(a.SharedWith, func(s string) bool { return s == account })
				if a.Association != nil && a.Association.Account == account {
					a.Association = nil
				}
				return nil
			}); err != nil {
				return err
			}
		}
	}
	return tx.Reset(account)
}
