package sigv4

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Credential is one access key of the credential store and the account it
// acts for.
type Credential struct{ AccessKeyID, SecretAccessKey, Account string }

// ParseCredentials reads a credential store: one "ACCESS_KEY SECRET
// ACCOUNT_ID" per line, fields separated by white space. Blank lines and
// lines starting with # are ignored, as is anything after a field that
// starts with #. The account must be 12 digits and an access key may appear
// only once. Errors name the line they are about.
func ParseCredentials(r io.Reader) ([]Credential, error) {
	var creds []Credential
	seen := make(map[string]int) // access key → line it was defined on
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		for i, f := range fields {
			if strings.HasPrefix(f, "#") {
				fields = fields[:i]
				break
			}
		}
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("credentials line %d: want 3 fields (ACCESS_KEY SECRET ACCOUNT_ID), got %d", line, len(fields))
		}
		c := Credential{AccessKeyID: fields[0], SecretAccessKey: fields[1], Account: fields[2]}
		if err := checkCredential(c); err != nil {
			return nil, fmt.Errorf("credentials line %d: %w", line, err)
		}
		if first, dup := seen[c.AccessKeyID]; dup {
			return nil, fmt.Errorf("credentials line %d: duplicate access key %q (first defined on line %d)", line, c.AccessKeyID, first)
		}
		seen[c.AccessKeyID] = line
		creds = append(creds, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("credentials line %d: %w", line+1, err)
	}
	return creds, nil
}

// checkCredential validates one credential; the messages never include the
// secret.
func checkCredential(c Credential) error {
	switch {
	case c.AccessKeyID == "":
		return errors.New("empty access key")
	case strings.ContainsAny(c.AccessKeyID, "/, =\t\r\n"):
		// The key travels inside "Credential=KEY/date/…, " in the
		// Authorization header; these characters would make it unparsable.
		return fmt.Errorf("access key %q contains a character that cannot appear in a SigV4 credential", c.AccessKeyID)
	case c.SecretAccessKey == "":
		return fmt.Errorf("empty secret for access key %q", c.AccessKeyID)
	case !isAccountID(c.Account):
		return fmt.Errorf("account ID %q for access key %q is not 12 digits", c.Account, c.AccessKeyID)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
