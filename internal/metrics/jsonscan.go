package metrics

// topLevelValue returns the raw bytes of the string value of key at the top
// level of the JSON object data (without quotes, escapes left as they are),
// or nil when the key is absent, is not a string, or data is not an
// object. Nested objects and arrays are skipped, so a "state" inside them
// is never taken for the record's own.
func topLevelValue(data []byte, key string) []byte {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return nil
		}
		ks, ke, ok := stringSpan(data, i)
		if !ok {
			return nil
		}
		i = skipSpace(data, ke+1)
		if i >= len(data) || data[i] != ':' {
			return nil
		}
		i = skipSpace(data, i+1)
		if i >= len(data) {
			return nil
		}
		if string(data[ks:ke]) == key {
			if data[i] != '"' {
				return nil
			}
			vs, ve, ok := stringSpan(data, i)
			if !ok {
				return nil
			}
			return data[vs:ve]
		}
		i, ok = skipValue(data, i)
		if !ok {
			return nil
		}
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ',' {
			return nil
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringSpan returns the content span of the string starting at b[i] ('"')
// and the index of its closing quote as end.
func stringSpan(b []byte, i int) (start, end int, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return i + 1, j, true
		}
	}
	return 0, 0, false
}

// skipValue returns the index just after the value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	switch b[i] {
	case '"':
		_, e, ok := stringSpan(b, i)
		return e + 1, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, e, ok := stringSpan(b, j)
				if !ok {
					return 0, false
				}
				j = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		return j, j > i
	}
}
