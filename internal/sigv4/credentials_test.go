package sigv4

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCredentials(t *testing.T) {
	in := "# deskplane credentials\r\n" +
		"\n" +
		"AKIDACCOUNTA0000001  secretA  111111111111\r\n" +
		"   # indented comment\n" +
		"AKIDACCOUNTB0000002\tsecret/B+x\t222222222222 # team B\n" +
		"AKIDACCOUNTC0000003 secretC 111111111111"
	got, err := ParseCredentials(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Credential{
		{"AKIDACCOUNTA0000001", "secretA", "111111111111"},
		{"AKIDACCOUNTB0000002", "secret/B+x", "222222222222"},
		{"AKIDACCOUNTC0000003", "secretC", "111111111111"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got, err := ParseCredentials(strings.NewReader("\n# nothing\n")); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v", got, err)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"AK SK 111111111111\nAK2 SK2\n", "line 2: want 3 fields"},
		{"AK SK 111111111111 extra\n", "line 1: want 3 fields"},
		{"\n\nAK SK 11111111111\n", `line 3: account ID "11111111111" for access key "AK" is not 12 digits`},
		{"AK SK 1111111111111\n", "line 1: account ID"},
		{"AK SK 11111111111a\n", "line 1: account ID"},
		{"AK SK 111111111111\n# c\nAK SK2 222222222222\n", `line 3: duplicate access key "AK" (first defined on line 1)`},
		{"A/K SK 111111111111\n", "line 1: access key"},
		{"AK=1 SK 111111111111\n", "line 1: access key"},
		{"AK,1 SK 111111111111\n", "line 1: access key"},
	} {
		_, err := ParseCredentials(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCredentials(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "SK2") {
			t.Errorf("error reveals a secret: %v", err)
		}
	}
}
