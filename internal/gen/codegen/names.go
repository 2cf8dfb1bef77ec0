package codegen

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ExportedName turns a Smithy shape or member name into an exported Go
// identifier: the first letter is upper-cased and characters Go does not allow
// in identifiers are dropped ("message" → "Message", "SAMAccountName" stays).
func ExportedName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	r, n := utf8.DecodeRuneInString(out)
	if unicode.IsDigit(r) {
		return "X" + out
	}
	return string(unicode.ToUpper(r)) + out[n:]
}

// MemberPathName is the name a member has in a validation path: the member
// name with its first letter lower-cased, as Coral prints it
// ("WorkspaceIds" → "workspaceIds", "SAMAccountName" → "sAMAccountName").
func MemberPathName(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// EnumConstName is the Go constant of an enum member: the enum's type name
// followed by the member name in CamelCase. Words are split at "_", "-",
// "." and spaces; a word written all in capitals is title-cased
// ("AUTO_STOP" → "AutoStop", "PCOIP" → "Pcoip") while a mixed-case word is
// kept ("Microsoft_Office_2016" → "MicrosoftOffice2016").
func EnumConstName(typeName, member string) string {
	return typeName + CamelWords(member)
}

// CamelWords joins the words of s in CamelCase (see EnumConstName).
func CamelWords(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	var b strings.Builder
	for _, w := range words {
		if w == strings.ToUpper(w) {
			w = strings.ToLower(w)
		}
		r, n := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(w[n:])
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}

// DocSentence returns the first sentence of a Smithy documentation string
// (HTML), tags stripped and whitespace collapsed, cut at maxRunes.
func DocSentence(doc string, maxRunes int) string {
	var b strings.Builder
	inTag := false
	for _, r := range doc {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	text := strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
	// First sentence: up to a ". " that follows a lower-case letter, digit
	// or closing bracket (so "e.g. " and "U.S. " do not end it early).
	for i := 0; i+1 < len(text); i++ {
		if text[i] == '.' && text[i+1] == ' ' && i > 0 {
			prev := text[i-1]
			if (prev >= 'a' && prev <= 'z' || prev >= '0' && prev <= '9' || prev == ')') && !strings.HasSuffix(text[:i], "e.g") && !strings.HasSuffix(text[:i], "i.e") {
				text = text[:i+1]
				break
			}
		}
	}
	text = strings.ReplaceAll(text, "*/", "* /")
	if utf8.RuneCountInString(text) > maxRunes {
		rs := []rune(text)
		cut := maxRunes
		for cut > maxRunes/2 && rs[cut] != ' ' {
			cut--
		}
		text = strings.TrimRight(string(rs[:cut]), " ,;:") + "…"
	}
	return text
}
