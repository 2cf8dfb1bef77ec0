package codegen

import (
	"fmt"
	"regexp"
	"strings"
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
		dsPassword        = `^(?=^.{8,64}$)((?=.*\d)(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[^A-Za-z0-9\s])(?=.*[a-z])|(?=.*[^A-Za-z0-9\s])(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[A-Z])(?=.*[^A-Za-z0-9\s]))^`
		dsNoSpecial       = `^(?!.*\\|.*"|.*\/|.*\[|.*\]|.*:|.*;|.*\||.*=|.*,|.*\+|.*\*|.*\?|.*<|.*>|.*@).*$`
		dsNotDPrefix      = `^(?!D-|d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`
		dsLDPunct         = `^(\p{LD}|\p{Punct}| )+$`
		dsLatin1          = `^[\u0020-\u00FF]+$`
		wsArn1023         = `^arn:aws[a-z-]{0,7}:[A-Za-z0-9][A-za-z0-9_/.-]{0,62}:[A-za-z0-9_/.-]{0,63}:[A-za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.\\-]{0,1023}$`
		iamNoDoubleHyphen = `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`
		ec2SecretArn      = `^(?=.{20,2048}$)arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[a-zA-Z0-9/_+=.@-]+`
		ec2PlacementArn   = `^arn:aws([a-z-]+)?:ec2:[a-z\d-]+:\d{12}:placement-group/^.{1,255}$`
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
		iamNoDoubleHyphen: {
			Pattern: iamNoDoubleHyphen,
			Require: []string{`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`},
			Forbid:  []string{`--`},
			Note:    "negative lookahead: a hyphen may not be followed by another, so no \"--\" anywhere",
		},
		ec2SecretArn: {
			Pattern: ec2SecretArn,
			Require: []string{`^.{20,1000}.{0,1000}.{0,48}$`, `^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[a-zA-Z0-9/_+=.@-]+`},
			Note: "lookahead (?=.{20,2048}$) at the start becomes a separate whole-value length check, " +
				"written .{20,1000}.{0,1000}.{0,48} (RE2 repeat counts stop at 1000)",
		},
		ec2PlacementArn: {
			Pattern: ec2PlacementArn,
			Require: []string{`^arn:aws([a-z-]+)?:ec2:[a-z\d-]+:\d{12}:placement-group/.{1,255}$`},
			Note: "the model's second ^ (after \"placement-group/\") can never match, which would refuse every " +
				"placement group ARN; it is dropped (docs/decisions/0164-model-patterns.md)",
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
		_, err := regexp.Compile(p)
		if err == nil {
			return PatternCheck{Pattern: p, Require: []string{p}}, nil
		}
		if t, changed := javaUnicodeEscapes(p); changed {
			if _, err2 := regexp.Compile(t); err2 == nil {
				return PatternCheck{Pattern: p, Require: []string{t},
					Note: "Java \\uXXXX escapes → \\x{XXXX}, four hex digits each as Java reads them"}, nil
			}
		}
		return PatternCheck{}, fmt.Errorf("pattern %q does not compile in RE2 and has no translation: %w", p, err)
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

// javaUnicodeEscapes rewrites the Java escapes \uXXXX of a pattern as RE2's
// \x{XXXX}. Java reads exactly four hex digits, so "\u10000" is U+1000
// followed by "0" here too. Other escapes are copied as they are.
func javaUnicodeEscapes(p string) (string, bool) {
	var b strings.Builder
	changed := false
	for i := 0; i < len(p); i++ {
		if p[i] != '\\' || i+1 >= len(p) {
			b.WriteByte(p[i])
			continue
		}
		if p[i+1] == 'u' && i+6 <= len(p) && isHex4(p[i+2:i+6]) {
			b.WriteString(`\x{` + p[i+2:i+6] + `}`)
			i += 5
			changed = true
			continue
		}
		b.WriteString(p[i : i+2])
		i++
	}
	return b.String(), changed
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
