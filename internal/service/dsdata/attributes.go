package dsdata

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsdataapi"
)

// The attributes of users and groups (docs/decisions/0244-directory-data-attributes.md).
// Each has the LDAP display name answers spell it with, a value type, the
// objects it belongs to, and whether it has a request member of its own,
// is computed by the directory, or can be searched. Names are matched
// case-insensitively; the Directory Service Data names of the attributes
// with members (EmailAddress, GivenName, Surname, SID …) are accepted too.

// attrKind is the type of an attribute's value: which member of an
// AttributeValue carries it.
type attrKind uint8

const (
	kindString attrKind = iota
	kindNumber
	kindBool
	kindStringSet
)

func (k attrKind) String() string {
	switch k {
	case kindNumber:
		return "a number (N)"
	case kindBool:
		return "a boolean (BOOL)"
	case kindStringSet:
		return "a string set (SS)"
	}
	return "a string (S)"
}

// objects is a set of object classes: users, groups or both.
type objects uint8

const (
	onUser objects = 1 << iota
	onGroup
	onBoth = onUser | onGroup
)

func (o objects) String() string {
	if o == onGroup {
		return "group"
	}
	return "user"
}

// attribute describes one attribute.
type attribute struct {
	name string
	kind attrKind
	on   objects // the objects that have it
	// member lists the objects for which the attribute is set through a
	// request member of its own (SAMAccountName, EmailAddress …), not
	// OtherAttributes.
	member     objects
	readOnly   bool // computed by the directory
	searchable bool // SearchUsers and SearchGroups may search it
}

// lookupAttribute finds an attribute by any of its names.
func lookupAttribute(name string) (attribute, bool) {
	at := func(n string, k attrKind, on objects) attribute { return attribute{name: n, kind: k, on: on} }
	search := func(a attribute) attribute { a.searchable = true; return a }
	ro := func(a attribute) attribute { a.readOnly = true; return a }
	mem := func(o objects, a attribute) attribute { a.member = o; return a }
	switch strings.ToLower(name) {
	// With request members of their own.
	case "samaccountname":
		return mem(onBoth, search(at("sAMAccountName", kindString, onBoth))), true
	case "mail", "emailaddress":
		return mem(onUser, search(at("mail", kindString, onBoth))), true
	case "givenname":
		return mem(onUser, search(at("givenName", kindString, onUser))), true
	case "sn", "surname":
		return mem(onUser, search(at("sn", kindString, onUser))), true
	case "grouptype":
		return mem(onGroup, at("groupType", kindString, onGroup)), true
	case "groupscope":
		return mem(onGroup, at("groupScope", kindString, onGroup)), true
	// Computed by the directory.
	case "objectsid", "sid":
		return ro(at("objectSid", kindString, onBoth)), true
	case "distinguishedname":
		return ro(at("distinguishedName", kindString, onBoth)), true
	case "userprincipalname":
		return ro(at("userPrincipalName", kindString, onUser)), true
	case "cn":
		return ro(at("cn", kindString, onBoth)), true
	case "name":
		return ro(at("name", kindString, onBoth)), true
	case "objectclass":
		return ro(at("objectClass", kindStringSet, onBoth)), true
	case "whencreated":
		return ro(at("whenCreated", kindString, onBoth)), true
	case "whenchanged":
		return ro(at("whenChanged", kindString, onBoth)), true
	case "memberof":
		return ro(at("memberOf", kindStringSet, onBoth)), true
	case "member":
		return ro(at("member", kindStringSet, onGroup)), true
	case "useraccountcontrol":
		return ro(at("userAccountControl", kindNumber, onUser)), true
	case "primarygroupid":
		return ro(at("primaryGroupID", kindNumber, onUser)), true
	// Other attributes, set through OtherAttributes.
	case "description":
		return search(at("description", kindString, onBoth)), true
	case "displayname":
		return search(at("displayName", kindString, onBoth)), true
	case "info":
		return at("info", kindString, onBoth), true
	case "wwwhomepage":
		return at("wWWHomePage", kindString, onBoth), true
	case "managedby":
		return at("managedBy", kindString, onGroup), true
	case "accountexpires":
		return at("accountExpires", kindNumber, onUser), true
	case "assistant":
		return at("assistant", kindString, onUser), true
	case "c":
		return at("c", kindString, onUser), true
	case "co":
		return search(at("co", kindString, onUser)), true
	case "company":
		return search(at("company", kindString, onUser)), true
	case "countrycode":
		return at("countryCode", kindNumber, onUser), true
	case "department":
		return search(at("department", kindString, onUser)), true
	case "departmentnumber":
		return at("departmentNumber", kindStringSet, onUser), true
	case "division":
		return at("division", kindString, onUser), true
	case "employeeid":
		return search(at("employeeID", kindString, onUser)), true
	case "employeenumber":
		return search(at("employeeNumber", kindString, onUser)), true
	case "employeetype":
		return at("employeeType", kindString, onUser), true
	case "facsimiletelephonenumber":
		return at("facsimileTelephoneNumber", kindString, onUser), true
	case "homedirectory":
		return at("homeDirectory", kindString, onUser), true
	case "homedrive":
		return at("homeDrive", kindString, onUser), true
	case "homephone":
		return search(at("homePhone", kindString, onUser)), true
	case "initials":
		return at("initials", kindString, onUser), true
	case "ipphone":
		return at("ipPhone", kindString, onUser), true
	case "l":
		return search(at("l", kindString, onUser)), true
	case "manager":
		return at("manager", kindString, onUser), true
	case "middlename":
		return at("middleName", kindString, onUser), true
	case "mobile":
		return search(at("mobile", kindString, onUser)), true
	case "msnpallowdialin":
		return at("msNPAllowDialin", kindBool, onUser), true
	case "otherhomephone":
		return at("otherHomePhone", kindStringSet, onUser), true
	case "othermobile":
		return at("otherMobile", kindStringSet, onUser), true
	case "othertelephone":
		return at("otherTelephone", kindStringSet, onUser), true
	case "pager":
		return at("pager", kindString, onUser), true
	case "physicaldeliveryofficename":
		return search(at("physicalDeliveryOfficeName", kindString, onUser)), true
	case "postalcode":
		return search(at("postalCode", kindString, onUser)), true
	case "postofficebox":
		return at("postOfficeBox", kindStringSet, onUser), true
	case "profilepath":
		return at("profilePath", kindString, onUser), true
	case "scriptpath":
		return at("scriptPath", kindString, onUser), true
	case "serviceprincipalname":
		return at("servicePrincipalName", kindStringSet, onUser), true
	case "st":
		return search(at("st", kindString, onUser)), true
	case "streetaddress":
		return at("streetAddress", kindString, onUser), true
	case "telephonenumber":
		return search(at("telephoneNumber", kindString, onUser)), true
	case "title":
		return search(at("title", kindString, onUser)), true
	case "url":
		return at("url", kindStringSet, onUser), true
	case "userworkstations":
		return at("userWorkstations", kindString, onUser), true
	}
	return attribute{}, false
}

// The canonical names of the attributes with request members, which the
// operations read and write through their own fields.
const (
	attrSAMAccountName = "sAMAccountName"
	attrMail           = "mail"
	attrGivenName      = "givenName"
	attrSurname        = "sn"
	attrGroupType      = "groupType"
	attrGroupScope     = "groupScope"
)

// wrongObject refuses an attribute the object does not have.
func wrongObject(obj objects, name string) error {
	reason := dsdataapi.ValidationExceptionReasonInvalidAttributeForUser
	if obj == onGroup {
		reason = dsdataapi.ValidationExceptionReasonInvalidAttributeForGroup
	}
	return validation(reason, "The attribute %s is not an attribute of a %s.", name, obj)
}

// known finds the attribute a request names for an object.
func known(obj objects, name string) (attribute, error) {
	a, ok := lookupAttribute(name)
	if !ok {
		return a, validation(dsdataapi.ValidationExceptionReasonInvalidAttributeName,
			"The attribute %s is not one Directory Service Data supports; see docs/decisions/0244-directory-data-attributes.md.", name)
	}
	if a.on&obj == 0 {
		return a, wrongObject(obj, name)
	}
	return a, nil
}

// otherAttributes checks the OtherAttributes of a request that creates or
// changes an object and converts them to the domain's values, keyed by
// canonical name. emptySets allows empty string sets (a REMOVE that clears
// a set).
func otherAttributes(obj objects, in map[string]dsdataapi.AttributeValue, emptySets bool) ([]change, error) {
	names := slices.Sorted(maps.Keys(in))
	out := make([]change, 0, len(in))
	seen := make(map[string]string, len(in))
	for _, k := range names {
		a, err := known(obj, k)
		if err != nil {
			return nil, err
		}
		switch {
		case a.readOnly:
			return nil, validation(dsdataapi.ValidationExceptionReasonInvalidAttributeForModify,
				"The attribute %s is computed by the directory and cannot be set.", k)
		case a.member&obj != 0:
			return nil, validation(dsdataapi.ValidationExceptionReasonDuplicateAttribute,
				"The attribute %s is set through its own request member, not OtherAttributes.", k)
		}
		if prev, dup := seen[a.name]; dup {
			return nil, validation(dsdataapi.ValidationExceptionReasonDuplicateAttribute,
				"OtherAttributes names the attribute %s twice (%s and %s); attribute names are case-insensitive.", a.name, prev, k)
		}
		seen[a.name] = k
		v, err := toDomain(a, k, in[k], emptySets)
		if err != nil {
			return nil, err
		}
		out = append(out, change{attr: a, value: v})
	}
	return out, nil
}

// toDomain checks a value against its attribute's type and copies it.
func toDomain(a attribute, name string, v dsdataapi.AttributeValue, emptySets bool) (directory.AttributeValue, error) {
	set := 0
	for _, ok := range []bool{v.S != nil, v.N != nil, v.BOOL != nil, v.SS != nil} {
		if ok {
			set++
		}
	}
	bad := func(format string, args ...any) (directory.AttributeValue, error) {
		return directory.AttributeValue{}, validation(dsdataapi.ValidationExceptionReasonInvalidAttributeValue,
			"The value of attribute %s %s.", name, fmt.Sprintf(format, args...))
	}
	if set != 1 {
		return bad("must set exactly one of S, N, BOOL and SS, not %d", set)
	}
	var kind attrKind
	switch {
	case v.N != nil:
		kind = kindNumber
	case v.BOOL != nil:
		kind = kindBool
	case v.SS != nil:
		kind = kindStringSet
	}
	if kind != a.kind {
		return bad("must be %s, not %s", a.kind, kind)
	}
	out := directory.AttributeValue{S: v.S, N: v.N, BOOL: v.BOOL}
	if v.SS != nil {
		if len(v.SS) == 0 && !emptySets {
			return bad("must hold at least one string")
		}
		out.SS = make([]string, 0, len(v.SS))
		for _, s := range v.SS {
			if s == "" {
				return bad("must not hold an empty string")
			}
			if containsFold(out.SS, s) {
				return bad("holds %q twice", s)
			}
			out.SS = append(out.SS, s)
		}
	}
	return out, nil
}

// wire converts a domain value to the wire's.
func wire(v directory.AttributeValue) dsdataapi.AttributeValue {
	return dsdataapi.AttributeValue{S: v.S, N: v.N, BOOL: v.BOOL, SS: slices.Clone(v.SS)}
}

func str(s string) directory.AttributeValue { return directory.AttributeValue{S: &s} }

func num(n int64) directory.AttributeValue { return directory.AttributeValue{N: &n} }

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// change is one attribute an update sets, adds to or removes.
type change struct {
	attr  attribute
	value directory.AttributeValue
}

// apply makes one change to an object's attributes (a view that holds
// the attributes with members too), with LDAP's modify semantics
// (decision 0244): ADD an attribute that has a value → ATTRIBUTE_EXISTS
// (a string set gains the values), REPLACE sets it, REMOVE clears it (a
// string set loses the values given, or all of them) and needs a value
// there → MISSING_ATTRIBUTE.
func apply(attrs directory.Attributes, how dsdataapi.UpdateType, c change) error {
	name := c.attr.name
	cur, present := attrs[name]
	exists := func() error {
		return validation(dsdataapi.ValidationExceptionReasonAttributeExists,
			"The attribute %s has a value already; use UpdateType REPLACE to change it.", name)
	}
	missing := func(what string) error {
		return validation(dsdataapi.ValidationExceptionReasonMissingAttribute, "The attribute %s has no %s to remove.", name, what)
	}
	switch how {
	case dsdataapi.UpdateTypeAdd:
		if !present {
			attrs[name] = c.value
			return nil
		}
		if c.attr.kind != kindStringSet {
			return exists()
		}
		for _, s := range c.value.SS {
			if containsFold(cur.SS, s) {
				return validation(dsdataapi.ValidationExceptionReasonAttributeExists,
					"The attribute %s holds %q already.", name, s)
			}
		}
		cur.SS = append(slices.Clone(cur.SS), c.value.SS...)
		attrs[name] = cur
	case dsdataapi.UpdateTypeRemove:
		if !present {
			return missing("value")
		}
		if c.attr.kind != kindStringSet || len(c.value.SS) == 0 {
			delete(attrs, name)
			return nil
		}
		kept := slices.Clone(cur.SS)
		for _, s := range c.value.SS {
			i := slices.IndexFunc(kept, func(x string) bool { return strings.EqualFold(x, s) })
			if i < 0 {
				return missing(strconv.Quote(s))
			}
			kept = slices.Delete(kept, i, i+1)
		}
		if len(kept) == 0 {
			delete(attrs, name)
		} else {
			attrs[name] = directory.AttributeValue{SS: kept}
		}
	default: // REPLACE
		if c.attr.kind == kindStringSet && len(c.value.SS) == 0 {
			delete(attrs, name)
			return nil
		}
		attrs[name] = c.value
	}
	return nil
}

// memberChange is the change a request member (GivenName …) makes.
func memberChange(name string, v *string) (change, bool) {
	if v == nil {
		return change{}, false
	}
	a, _ := lookupAttribute(name)
	return change{attr: a, value: str(*v)}, true
}

// requested checks the attribute names a Describe asks for; "*" asks for
// every other attribute the object has (decision 0244).
func requested(obj objects, names []string) (all bool, attrs []attribute, err error) {
	for _, n := range names {
		if n == "*" {
			all = true
			continue
		}
		a, err := known(obj, n)
		if err != nil {
			return false, nil, err
		}
		if !slices.ContainsFunc(attrs, func(x attribute) bool { return x.name == a.name }) {
			attrs = append(attrs, a)
		}
	}
	return all, attrs, nil
}

// stringOf reads a string attribute of a view.
func stringOf(attrs directory.Attributes, name string) string {
	if v, ok := attrs[name]; ok && v.S != nil {
		return *v.S
	}
	return ""
}
