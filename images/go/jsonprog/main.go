// jsonprog: encoding/json round trip of nested structs and maps, plus hashes of known strings.
package main

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"math"
	"reflect"
	"strings"

	"vkemu.test/guests/internal/check"
)

type Address struct {
	Street string `json:"street"`
	City   string `json:"city"`
	Zip    *int   `json:"zip,omitempty"`
}

type Person struct {
	Name     string             `json:"name"`
	Age      int                `json:"age"`
	Score    float64            `json:"score"`
	Tags     []string           `json:"tags"`
	Home     Address            `json:"home"`
	Previous []Address          `json:"previous,omitempty"`
	Attrs    map[string]any     `json:"attrs"`
	Counts   map[string]int     `json:"counts"`
	Nested   map[string][]int32 `json:"nested"`
	Secret   string             `json:"-"`
	Raw      json.RawMessage    `json:"raw"`
	Unicode  string             `json:"unicode"`
}

func main() {
	zip := 12345
	p := Person{
		Name:     "Ada",
		Age:      36,
		Score:    math.Pi,
		Tags:     []string{"math", "engines", "poetry"},
		Home:     Address{Street: "1 St James's Square", City: "London", Zip: &zip},
		Previous: []Address{{Street: "a", City: "b"}, {Street: "c", City: "d"}},
		Attrs:    map[string]any{"x": 1.5, "flag": true, "list": []any{"a", 2.0, nil}, "obj": map[string]any{"k": "v"}},
		Counts:   map[string]int{"one": 1, "two": 2, "three": 3},
		Nested:   map[string][]int32{"primes": {2, 3, 5, 7}, "empty": {}},
		Secret:   "not serialized",
		Raw:      json.RawMessage(`{"pre":"encoded"}`),
		Unicode:  "héllo wörld ✓ 日本 \u2028 <tag> & \"quotes\"",
	}
	b, err := json.Marshal(p)
	check.NoErr(err, "json.Marshal nested struct")
	check.OK(!strings.Contains(string(b), "not serialized"), "json:\"-\" field omitted", "")
	check.OK(strings.Contains(string(b), `"counts":{"one":1,"three":3,"two":2}`), "map keys marshalled sorted", "got %s", b)

	var q Person
	err = json.Unmarshal(b, &q)
	check.NoErr(err, "json.Unmarshal nested struct")
	p.Secret = ""
	// RawMessage is compacted the same either way; compare everything.
	check.OK(reflect.DeepEqual(p, q), "struct round trip is DeepEqual", "\n  want %#v\n  got  %#v", p, q)

	// Generic decode into map[string]any.
	var generic map[string]any
	check.NoErr(json.Unmarshal(b, &generic), "Unmarshal into map[string]any")
	home, _ := generic["home"].(map[string]any)
	check.OK(home != nil && home["city"] == "London" && home["zip"] == float64(12345), "generic nested map access", "home=%v", home)

	// Indented output re-parses identically.
	ib, err := json.MarshalIndent(generic, "", "  ")
	var generic2 map[string]any
	err2 := json.Unmarshal(ib, &generic2)
	check.OK(err == nil && err2 == nil && reflect.DeepEqual(generic, generic2), "MarshalIndent round trip", "err=%v err2=%v", err, err2)

	// Errors are reported.
	var bad Person
	err = json.Unmarshal([]byte(`{"age":"not a number"}`), &bad)
	_, isTypeErr := err.(*json.UnmarshalTypeError)
	check.OK(isTypeErr, "type mismatch gives UnmarshalTypeError", "err=%v", err)
	err = json.Unmarshal([]byte(`{"name":`), &bad)
	check.OK(err != nil, "truncated JSON is an error", "")

	// Floats: exact round trip of awkward values.
	fl := []float64{0.1, 1e-300, 1.7976931348623157e308, -0.0, 123456789.123456789}
	fb, _ := json.Marshal(fl)
	var fl2 []float64
	json.Unmarshal(fb, &fl2)
	check.OK(reflect.DeepEqual(fl, fl2), "float64 round trip", "got %v from %s", fl2, fb)

	// Known hashes.
	const abc = "abc"
	s256 := sha256.Sum256([]byte(abc))
	check.OK(hex.EncodeToString(s256[:]) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"sha256(\"abc\")", "got %x", s256)
	fox := "The quick brown fox jumps over the lazy dog"
	s256 = sha256.Sum256([]byte(fox))
	check.OK(hex.EncodeToString(s256[:]) == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
		"sha256(quick brown fox)", "got %x", s256)
	m5 := md5.Sum([]byte(fox))
	check.OK(hex.EncodeToString(m5[:]) == "9e107d9d372bb6826bd81d3542a419d6", "md5(quick brown fox)", "got %x", m5)
	check.OK(crc32.ChecksumIEEE([]byte(fox)) == 0x414fa339, "crc32(quick brown fox)", "got %08x", crc32.ChecksumIEEE([]byte(fox)))
	// Large input: sha256 of a million 'a's.
	s256 = sha256.Sum256([]byte(strings.Repeat("a", 1_000_000)))
	check.OK(hex.EncodeToString(s256[:]) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
		"sha256(1e6 x 'a')", "got %x", s256)

	check.Done()
}
