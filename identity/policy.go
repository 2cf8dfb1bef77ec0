package identity

import (
	"github.com/deskplane/deskplane"

	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// IAM policy documents (docs/decisions/0291-iam.md, 0294-trust-policies.md).
// deskplane evaluates no permissions: a policy is checked for the shape IAM
// requires when it is stored, and a role's trust policy is read when
// somebody assumes the role, to learn whether the caller is among the
// principals it trusts.

// PolicyKind says what a document is for: the rules differ.
type PolicyKind int

const (
	// IdentityPolicy is a managed, inline or session policy: statements
	// name resources and no principal.
	IdentityPolicy PolicyKind = iota
	// TrustPolicy is a role's assume role policy: statements name
	// principals and no resource.
	TrustPolicy
)

// The size quotas of policy documents, counted without white space.
const (
	MaxTrustPolicySize   = 2048  // ACLSizePerRole
	MaxManagedPolicySize = 6144  // PolicySize
	MaxRoleInlineSize    = 10240 // the inline policies of a role together
)

// PolicyDocument is a parsed policy.
type PolicyDocument struct {
	Version    string
	Statements []PolicyStatement
}

// PolicyStatement is one statement of a policy. A list field holds the
// values of the element, however it was written (one string or a list).
type PolicyStatement struct {
	Sid       string
	Effect    string // Allow or Deny
	Action    []string
	NotAction []string
	// Principal and NotPrincipal map principal types (AWS, Service,
	// Federated, CanonicalUser) to their values; "*" alone is {"*": ["*"]}.
	Principal    map[string][]string
	NotPrincipal map[string][]string
	Resource     []string
	NotResource  []string
	// Condition maps operators to keys to values.
	Condition map[string]map[string][]string
}

func malformed(format string, args ...any) *deskplane.Error {
	return deskplane.Errorf(deskplane.CodeMalformedPolicy, format, args...)
}

// PolicySize is the size IAM counts a document by: its characters other
// than white space.
func PolicySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// ParsePolicy parses and checks a policy document of the kind. It answers
// CodeMalformedPolicy, with the wording IAM uses, for a document that is
// not a JSON object, has an unknown Version, no statements, a statement
// without Effect or action, a trust statement without principal or with a
// resource, or an identity statement with a principal or without resource.
func ParsePolicy(doc string, kind PolicyKind) (*PolicyDocument, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&raw); err != nil || raw == nil || dec.More() {
		return nil, malformed("This policy contains invalid Json")
	}
	p := &PolicyDocument{}
	if v, ok := raw["Version"]; ok {
		if err := json.Unmarshal(v, &p.Version); err != nil || p.Version != "2012-10-17" && p.Version != "2008-10-17" {
			return nil, malformed("The policy failed legacy parsing")
		}
	}
	for k := range raw {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return nil, malformed("Syntax errors in policy.")
		}
	}
	st, ok := raw["Statement"]
	if !ok {
		return nil, malformed("Syntax errors in policy.")
	}
	var list []json.RawMessage
	if err := json.Unmarshal(st, &list); err != nil {
		list = []json.RawMessage{st}
	}
	if len(list) == 0 {
		return nil, malformed("Syntax errors in policy.")
	}
	for _, s := range list {
		ps, err := parseStatement(s, kind)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, ps)
	}
	return p, nil
}

func parseStatement(b json.RawMessage, kind PolicyKind) (PolicyStatement, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return PolicyStatement{}, malformed("Syntax errors in policy.")
	}
	var s PolicyStatement
	var err error
	for k, v := range raw {
		switch k {
		case "Sid":
			if json.Unmarshal(v, &s.Sid) != nil {
				return s, malformed("Syntax errors in policy.")
			}
		case "Effect":
			if json.Unmarshal(v, &s.Effect) != nil {
				return s, malformed("Syntax errors in policy.")
			}
		case "Action":
			s.Action, err = stringOrList(v)
		case "NotAction":
			s.NotAction, err = stringOrList(v)
		case "Resource":
			s.Resource, err = stringOrList(v)
		case "NotResource":
			s.NotResource, err = stringOrList(v)
		case "Principal":
			s.Principal, err = principals(v)
		case "NotPrincipal":
			s.NotPrincipal, err = principals(v)
		case "Condition":
			s.Condition, err = conditions(v)
		default:
			return s, malformed("Syntax errors in policy.")
		}
		if err != nil {
			return s, err
		}
	}
	switch {
	case s.Effect == "":
		return s, malformed("Missing required field Effect")
	case s.Effect != "Allow" && s.Effect != "Deny":
		return s, malformed("Invalid effect: %s", s.Effect)
	case s.Action == nil && s.NotAction == nil:
		return s, malformed("Missing required field Action")
	}
	for _, a := range append(append([]string(nil), s.Action...), s.NotAction...) {
		if a != "*" && !strings.Contains(a, ":") {
			return s, malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
		}
	}
	if kind == TrustPolicy {
		switch {
		case s.Resource != nil || s.NotResource != nil:
			return s, malformed("Has prohibited field Resource")
		case s.Principal == nil && s.NotPrincipal == nil:
			return s, malformed("Missing required field Principal")
		}
	} else {
		switch {
		case s.Principal != nil || s.NotPrincipal != nil:
			return s, malformed("Policy document should not specify a principal.")
		case s.Resource == nil && s.NotResource == nil:
			return s, malformed("Policy statement must contain resources.")
		}
	}
	return s, nil
}

// stringOrList reads an element that is one string or a list of strings.
func stringOrList(v json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(v, &many) == nil && len(many) > 0 {
		return many, nil
	}
	return nil, malformed("Syntax errors in policy.")
}

func principals(v json.RawMessage) (map[string][]string, error) {
	var star string
	if json.Unmarshal(v, &star) == nil {
		if star != "*" {
			return nil, malformed("Invalid principal in policy: %s", star)
		}
		return map[string][]string{"*": {"*"}}, nil
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(v, &raw) != nil || len(raw) == 0 {
		return nil, malformed("Syntax errors in policy.")
	}
	out := make(map[string][]string, len(raw))
	for k, vals := range raw {
		switch k {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return nil, malformed("Invalid principal in policy: %q", k)
		}
		list, err := stringOrList(vals)
		if err != nil {
			return nil, err
		}
		out[k] = list
	}
	return out, nil
}

func conditions(v json.RawMessage) (map[string]map[string][]string, error) {
	var raw map[string]map[string]json.RawMessage
	if json.Unmarshal(v, &raw) != nil {
		return nil, malformed("Syntax errors in policy.")
	}
	out := make(map[string]map[string][]string, len(raw))
	for op, keys := range raw {
		out[op] = make(map[string][]string, len(keys))
		for k, vals := range keys {
			var one any
			if json.Unmarshal(vals, &one) != nil {
				return nil, malformed("Syntax errors in policy.")
			}
			var list []string
			switch x := one.(type) {
			case []any:
				for _, e := range x {
					list = append(list, fmt.Sprint(e))
				}
			default:
				list = []string{fmt.Sprint(x)}
			}
			out[op][k] = list
		}
	}
	return out, nil
}

// CompactPolicy returns the document without insignificant white space
// (the packed size of a session policy is measured on it).
func CompactPolicy(doc string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(doc)) != nil {
		return doc
	}
	return b.String()
}

// AssumeRoleRequest is what a trust policy is asked: who wants to assume
// the role, with what external id.
type AssumeRoleRequest struct {
	Account string // the caller's account
	// Principals are the ARNs the caller is known by: the account root
	// (arn:aws:iam::ACCOUNT:root), or for an assumed-role session the
	// session's ARN and its role's ARN.
	Principals []string
	ExternalID string
}

// Allows reports whether the trust policy lets the caller assume the role
// (sts:AssumeRole): an Allow statement whose action, principal and
// conditions match and no Deny statement that matches. The conditions
// understood are the string operators on sts:ExternalId,
// aws:PrincipalAccount and aws:PrincipalArn; a statement with any other
// condition does not match when it allows and matches when it denies
// (docs/decisions/0294-trust-policies.md).
func (p *PolicyDocument) Allows(req AssumeRoleRequest) bool {
	allowed := false
	for _, s := range p.Statements {
		if !s.actionMatches("sts:AssumeRole") || !s.principalMatches(req) {
			continue
		}
		cond, known := s.conditionsHold(req)
		if s.Effect == "Deny" {
			if cond || !known {
				return false
			}
			continue
		}
		if cond && known {
			allowed = true
		}
	}
	return allowed
}

func (s *PolicyStatement) actionMatches(action string) bool {
	if s.NotAction != nil {
		return !matchAny(s.NotAction, action, true)
	}
	return matchAny(s.Action, action, true)
}

// matchAny matches value against IAM wildcard patterns (* and ?).
func matchAny(patterns []string, value string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, value = strings.ToLower(p), strings.ToLower(value)
		}
		if wildcard(p, value) {
			return true
		}
	}
	return false
}

// wildcard matches s against an IAM pattern: * is any run of characters
// (slashes too), ? any one character.
func wildcard(p, s string) bool {
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(p) && (p[i] == '?' || p[i] == s[j]):
			i++
			j++
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case star >= 0:
			i = star + 1
			mark++
			j = mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}

func (s *PolicyStatement) principalMatches(req AssumeRoleRequest) bool {
	if s.NotPrincipal != nil {
		return !principalIn(s.NotPrincipal, req)
	}
	return principalIn(s.Principal, req)
}

func principalIn(m map[string][]string, req AssumeRoleRequest) bool {
	if _, star := m["*"]; star {
		return true
	}
	for _, v := range m["AWS"] {
		switch {
		case v == "*", v == req.Account:
			return true
		case strings.HasSuffix(v, ":iam::"+req.Account+":root"):
			return true
		}
		for _, arn := range req.Principals {
			if sameARN(v, arn) {
				return true
			}
		}
	}
	return false
}

// sameARN compares two ARNs, ignoring the partition (deskplane answers one
// per Region; a policy names one).
func sameARN(a, b string) bool {
	a, b = withoutPartition(a), withoutPartition(b)
	return a != "" && a == b
}

func withoutPartition(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) != 3 || parts[0] != "arn" {
		return ""
	}
	return parts[2]
}

// conditionsHold evaluates the statement's conditions; known is false when
// a condition uses an operator or key deskplane does not evaluate.
func (s *PolicyStatement) conditionsHold(req AssumeRoleRequest) (hold, known bool) {
	hold, known = true, true
	for op, keys := range s.Condition {
		for key, vals := range keys {
			var actual []string
			switch strings.ToLower(key) {
			case "sts:externalid":
				if req.ExternalID != "" {
					actual = []string{req.ExternalID}
				}
			case "aws:principalaccount":
				actual = []string{req.Account}
			case "aws:principalarn":
				actual = req.Principals
			default:
				return false, false
			}
			var ok bool
			switch op {
			case "StringEquals":
				ok = anyEqual(actual, vals, false)
			case "StringEqualsIgnoreCase":
				ok = anyEqual(actual, vals, true)
			case "StringLike":
				ok = anyLike(actual, vals)
			case "StringNotEquals":
				ok = len(actual) > 0 && !anyEqual(actual, vals, false)
			case "StringNotLike":
				ok = len(actual) > 0 && !anyLike(actual, vals)
			default:
				return false, false
			}
			hold = hold && ok
		}
	}
	return hold, known
}

func anyEqual(actual, want []string, fold bool) bool {
	for _, a := range actual {
		for _, w := range want {
			if a == w || fold && strings.EqualFold(a, w) {
				return true
			}
		}
	}
	return false
}

func anyLike(actual, patterns []string) bool {
	for _, a := range actual {
		if matchAny(patterns, a, false) {
			return true
		}
	}
	return false
}
