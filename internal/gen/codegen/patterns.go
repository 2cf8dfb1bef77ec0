package codegen

import (
	"fmt"
	"regexp"
)

// PatternCheck is how the generated validator decides a Smithy pattern trait
// in Go. Smithy patterns are searched, not implicitly anchored; Go's
// regexp.MatchString searches too, so most patterns are used as written.
// Patterns RE2 cannot compile (lookaround, Java-only classes, repeat counts
// above 1000, \u escapes) are translated by hand in Translations; the
// generated code records the translation in a comment.
type PatternCheck struct {
	Pattern string   // the model's pattern; the violation message quotes it
	Require []string // every one of these must match
	Forbid  []string // none of these may match
	AtLeast int      // at least AtLeast of OneOf must match (when OneOf is set)
	OneOf   []string
	Note    string // why and how the pattern was translated; empty if used as is
}

// Regexps lists every Go regexp the check uses, in a fixed order.
func (c PatternCheck) Regexps() []string {
	var all []string
	all = append(all, c.Require...)
	all = append(all, c.Forbid...)
	all = append(all, c.OneOf...)
	return all
}

// Translations maps model patterns that RE2 cannot compile, or compiles with a
// different meaning, to a faithful Go check. Keys are the patterns exactly as
// the models write them.
func Translations() map[string]PatternCheck {
	const (
		dsPassword   = `^(?=^.{8,64}$)((?=.*\d)(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[^A-Za-z0-9\s])(?=.*[a-z])|(?=.*[^A-Za-z0-9\s])(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[A-Z])(?=.*[^A-Za-z0-9\s]))^`
		dsNoSpecial  = `^(?!.*\\|.*"|.*\/|.*\[|.*\]|.*:|.*;|.*\||.*=|.*,|.*\+|.*\*|.*\?|.*<|.*>|.*@).*$`
		dsNotDPrefix = `^(?!D-|d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`
		dsLDPunct    = `^(\p{LD}|\p{Punct}| )+$`
		dsLatin1     = `^[\u0020-\u00FF]+$`
		wsArn1023    = `^arn:aws[a-z-]{0,7}:[A-Za-z0-9][A-za-z0-9_/.-]{0,62}:[A-za-z0-9_/.-]{0,63}:[A-za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.\\-]{0,1023}$`
	)
	return map[string]PatternCheck{
		dsPassword: {
			Pattern: dsPassword,
			Require: []string{`^.{8,64}$`},
			AtLeast: 3,
			OneOf:   []string{`\d`, `[A-Z]`, `[a-z]`, `[^A-Za-z0-9\s]`},
			Note: "lookaheads: 8 to 64 characters on one line, and at least three of the four " +
				"classes digit, upper case, lower case, other (the four alternatives are the four " +
				"3-of-4 combinations)",
		},
		dsNoSpecial: {
			Pattern: dsNoSpecial,
			Require: []string{`^.*$`},
			Forbid:  []string{`[\\"/\[\]:;|=,+*?<>@]`},
			Note:    "negative lookahead: one line that contains none of \\ \" / [ ] : ; | = , + * ? < > @",
		},
		dsNotDPrefix: {
			Pattern: dsNotDPrefix,
			Require: []string{`^([\da-zA-Z]+)([-]*[\da-zA-Z])*$`},
			Forbid:  []string{`^(D-|d-)`},
			Note:    "negative lookahead (?!D-|d-) at the start becomes a forbidden prefix",
		},
		dsLDPunct: {
			Pattern: dsLDPunct,
			Require: []string{`^([\p{L}\p{Nd}]|[[:punct:]]| )+$`},
			Note:    "Java classes: \\p{LD} (letter or digit) → [\\p{L}\\p{Nd}], \\p{Punct} (ASCII punctuation) → [[:punct:]]",
		},
		dsLatin1: {
			Pattern: dsLatin1,
			Require: []string{`^[\x{0020}-\x{00FF}]+$`},
			Note:    "\\uXXXX escapes → \\x{XXXX}",
		},
		wsArn1023: {
			Pattern: wsArn1023,
			Require: []string{`^arn:aws[a-z-]{0,7}:[A-Za-z0-9][A-za-z0-9_/.-]{0,62}:[A-za-z0-9_/.-]{0,63}:[A-za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.\\-]{0,1000}[A-Za-z0-9:_/+=,@.\\-]{0,23}$`},
			Note:    "RE2 allows repeat counts up to 1000: {0,1023} → {0,1000}{0,23} (same language)",
		},
	}
}

// CompilePattern returns the Go check for a model pattern: the translation if
// there is one, else the pattern itself after checking that RE2 compiles it.
func CompilePattern(p string, translations map[string]PatternCheck) (PatternCheck, error) {
	c, ok := translations[p]
	if !ok {
		if _, err := regexp.Compile(p); err != nil {
			return PatternCheck{}, fmt.Errorf("pattern %q does not compile in RE2 and has no translation: %w", p, err)
		}
		return PatternCheck{Pattern: p, Require: []string{p}}, nil
	}
	for _, re := range c.Regexps() {
		if _, err := regexp.Compile(re); err != nil {
			return PatternCheck{}, fmt.Errorf("translation of %q: %w", p, err)
		}
	}
	if c.AtLeast > len(c.OneOf) {
		return PatternCheck{}, fmt.Errorf("translation of %q: AtLeast %d of %d", p, c.AtLeast, len(c.OneOf))
	}
	return c, nil
}
