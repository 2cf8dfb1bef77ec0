package deskplane

import (
	"fmt"
	"strings"
	"unicode"
)

// WorkSpaces tags (behaviour doc §8): at most 50 per resource; keys 1–127
// and values 0–255 Unicode characters of letters, digits, spaces (Unicode
// Z: not tabs or line breaks) and + - = . _ : / @; keys and values
// case-sensitive; the aws: prefix is reserved; tagging an existing key
// overwrites it; deleting a missing key is ignored; a resource lists its
// tags in the order their keys were first created. Every family that tags
// what it creates applies these rules; Directory Service tags are a
// separate set (DSTag).

// MaxTagsPerResource is how many tags a resource can have.
const MaxTagsPerResource = 50

// Tag is one WorkSpaces tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// TagSet is the record of a resource's tags (KindTags, id = resource id).
type TagSet struct {
	Tags []Tag `json:"tags"`
}

// TagSets are the tag records, keyed by the id of the resource they tag.
func TagSets() Records[TagSet] { return Records[TagSet]{KindTags} }

func validTagText(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Z, r) || strings.ContainsRune("+-=._:/@", r) {
			continue
		}
		return false
	}
	return true
}

// CheckTags applies the tag rules to the tags of a request.
func CheckTags(tags []Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if err := CheckTagKey(t.Key); err != nil {
			return err
		}
		if !validTagText(t.Value) {
			return Errorf(CodeInvalidParameter, "The tag value %q contains characters that are not allowed. Tag values may contain letters, digits, spaces and + - = . _ : / @.", t.Value)
		}
		if len([]rune(t.Value)) > 255 {
			return Errorf(CodeInvalidParameter, "The tag value for key %q is longer than 255 characters.", t.Key)
		}
		if seen[t.Key] {
			return Errorf(CodeInvalidParameter, "The tag key %q appears more than once in the request.", t.Key)
		}
		seen[t.Key] = true
	}
	if len(tags) > MaxTagsPerResource {
		return Errorf(CodeLimitExceeded, "A resource can have at most %d tags; the request has %d.", MaxTagsPerResource, len(tags))
	}
	return nil
}

// CheckTagKey applies the rules of tag keys.
func CheckTagKey(k string) error {
	if k == "" || len([]rune(k)) > 127 {
		return Errorf(CodeInvalidParameter, "The tag key %q must be 1 to 127 characters long.", k)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return Errorf(CodeInvalidParameter, "The tag key %q uses the reserved prefix aws:, which cannot be created, edited or deleted.", k)
	}
	if !validTagText(k) {
		return Errorf(CodeInvalidParameter, "The tag key %q contains characters that are not allowed. Tag keys may contain letters, digits, spaces and + - = . _ : / @.", k)
	}
	return nil
}

// ReadTags returns a resource's tags in creation order.
func ReadTags(tx Tx, s Scope, resourceID string) ([]Tag, error) {
	set, _, err := TagSets().Get(tx, s, resourceID)
	if err != nil || set == nil {
		return nil, err
	}
	return set.Tags, nil
}

// MergeTags adds or overwrites tags on a resource; the resource must exist
// (the caller checks). It enforces the 50-tag limit on the result.
func MergeTags(tx Tx, s Scope, resourceID string, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}
	cur, err := ReadTags(tx, s, resourceID)
	if err != nil {
		return err
	}
	for _, t := range tags {
		replaced := false
		for i := range cur {
			if cur[i].Key == t.Key {
				cur[i].Value, replaced = t.Value, true
				break
			}
		}
		if !replaced {
			cur = append(cur, t)
		}
	}
	if len(cur) > MaxTagsPerResource {
		return Errorf(CodeLimitExceeded, "The resource %s would have %d tags; a resource can have at most %d.", resourceID, len(cur), MaxTagsPerResource)
	}
	return TagSets().Put(tx, s, resourceID, &TagSet{Tags: cur})
}

// DeleteTags removes a resource's tags when the resource goes away.
func DeleteTags(tx Tx, s Scope, resourceID string) error {
	if _, err := TagSets().Delete(tx, s, resourceID); err != nil {
		return fmt.Errorf("deleting tags of %s: %w", resourceID, err)
	}
	return nil
}
