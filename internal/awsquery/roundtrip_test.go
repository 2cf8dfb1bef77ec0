package awsquery_test

// A randomized round trip through the real SDK clients, for every operation
// that both the model and the SDK have: the client sends a randomly filled
// input, the server decodes it (without validating: random values break
// constraints) and answers a randomly filled output; the decoded input must
// equal what the client sent and the SDK's output what the server answered,
// member by member. It covers the decoders and encoders of every shape,
// maps and blobs included, that the hand-written tests do not reach.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithygo "github.com/aws/smithy-go"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/awsquery"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/stsapi"
)

// decoder is the generated dispatchers' Decode.
type decoder interface {
	Decode(op string, f *smithy.Form) (any, error)
}

// recorder is a Backend that decodes the input, keeps it, and answers a
// random output of the operation's output type (from the Service interface).
type recorder struct {
	dec  decoder
	svc  reflect.Type
	fill *valueFiller

	mu      sync.Mutex
	in, out any
}

func (r *recorder) InvokeForm(_ context.Context, action string, f *smithy.Form) (any, error) {
	in, err := r.dec.Decode(action, f)
	if err != nil {
		return nil, err
	}
	m, ok := r.svc.MethodByName(action)
	if !ok {
		return nil, fmt.Errorf("no method %s", action)
	}
	out := reflect.New(m.Type.Out(0).Elem())
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fill.fill(out.Elem(), 0, false)
	r.in, r.out = in, out.Interface()
	return r.out, nil
}

// valueFiller fills values with random data the wire can carry both ways.
type valueFiller struct {
	r *rand.Rand
	// optional members are left out at random when skip is set.
	skip bool
}

func (f *valueFiller) str(anyBytes bool) string {
	var b strings.Builder
	for range 1 + f.r.IntN(10) { // never empty: the SDK takes "" for a missing enum
		switch f.r.IntN(7) {
		case 0:
			b.WriteString([]string{"&", "<", ">", `"`, "'", "=", "+", "%", " ", "\t", "\n", "\r", ".", "/"}[f.r.IntN(14)])
		case 1:
			b.WriteRune(rune(0xA0 + f.r.IntN(0x2000)))
		case 2:
			b.WriteRune(rune(0x10000 + f.r.IntN(0x1000)))
		case 3:
			if anyBytes {
				b.WriteByte(byte(f.r.IntN(256))) // a form carries any byte
			} else {
				b.WriteByte('x')
			}
		default:
			b.WriteByte(byte('a' + f.r.IntN(26)))
		}
	}
	return b.String()
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	timestampType = reflect.TypeFor[smithy.Timestamp]()
)

// fill sets v to a random value. input says the value travels in a form
// (any bytes) rather than in XML.
func (f *valueFiller) fill(v reflect.Value, depth int, input bool) {
	t := v.Type()
	switch t {
	case timeType:
		v.Set(reflect.ValueOf(time.UnixMilli(f.r.Int64N(4e12)).UTC()))
		return
	case timestampType:
		v.Set(reflect.ValueOf(smithy.Timestamp{Time: time.UnixMilli(f.r.Int64N(4e12)).UTC()}))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if depth > 5 && t.Elem().Kind() == reflect.Struct {
			return
		}
		p := reflect.New(t.Elem())
		f.fill(p.Elem(), depth+1, input)
		v.Set(p)
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Name == "ResultMetadata" {
				continue
			}
			if f.skip && f.r.IntN(4) == 0 {
				continue
			}
			f.fill(v.Field(i), depth, input)
		}
	case reflect.String:
		v.SetString(f.str(input))
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(int64(f.r.IntN(2000) - 1000))
	case reflect.Float32:
		v.SetFloat(float64(float32(f.r.NormFloat64() * 100)))
	case reflect.Float64:
		v.SetFloat(f.r.NormFloat64() * math.Pow(10, float64(f.r.IntN(10)-5)))
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			b := make([]byte, 1+f.r.IntN(20))
			for i := range b {
				b[i] = byte(f.r.IntN(256))
			}
			v.SetBytes(b)
			return
		}
		if depth > 6 {
			return
		}
		n := f.r.IntN(4)
		s := reflect.MakeSlice(t, n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1, input)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(t)
		for range f.r.IntN(4) {
			k := reflect.New(t.Key()).Elem()
			f.fill(k, depth+1, input)
			e := reflect.New(t.Elem()).Elem()
			f.fill(e, depth+1, input)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		// SDK unions and documents: none of these models' operations has one.
	default:
		panic(fmt.Sprintf("fill: unexpected kind %s of %s", t.Kind(), t))
	}
}

// leaf renders a scalar for comparison; ok is false for a nil pointer.
func leaf(v reflect.Value) (string, bool) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	switch v.Type() {
	case timeType:
		return strconv.FormatInt(v.Interface().(time.Time).UnixMilli(), 10), true
	case timestampType:
		return strconv.FormatInt(v.Interface().(smithy.Timestamp).UnixMilli(), 10), true
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), true
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		return strconv.FormatInt(v.Int(), 10), true
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), true
	}
	return "", false
}

// comparer compares an SDK value with a generated one, member by member,
// for the members both types have.
type comparer struct {
	diffs  []string
	leaves int
}

func isScalarValue(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func (c *comparer) compare(path string, a, b reflect.Value) {
	if len(c.diffs) > 10 {
		return
	}
	ta, tb := a.Type(), b.Type()
	// Scalars (and timestamps), held by pointer or by value.
	if _, ok := leaf(reflect.Zero(ta)); ok || isScalarValue(ta) || ta.Kind() == reflect.Pointer && (isScalarValue(ta.Elem()) || ta.Elem() == timeType) {
		la, oka := leaf(a)
		lb, okb := leaf(b)
		// A member held by value in the SDK (one with a default) reads as
		// its zero value when absent.
		if !okb && ta.Kind() != reflect.Pointer {
			lb, okb = leaf(reflect.Zero(ta))
		}
		if !oka && tb.Kind() != reflect.Pointer {
			la, oka = leaf(reflect.Zero(tb))
		}
		if oka != okb || la != lb {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: SDK %q (set %v), deskplane %q (set %v)", path, la, oka, lb, okb))
		}
		c.leaves++
		return
	}
	for a.Kind() == reflect.Pointer {
		if a.IsNil() {
			break
		}
		a = a.Elem()
	}
	for b.Kind() == reflect.Pointer {
		if b.IsNil() {
			break
		}
		b = b.Elem()
	}
	if a.Kind() == reflect.Pointer || b.Kind() == reflect.Pointer {
		// A structure whose members are all absent has no parameter in a
		// form, so it arrives as absent.
		aNil, bNil := a.Kind() == reflect.Pointer, b.Kind() == reflect.Pointer
		if aNil != bNil && !(aNil && empty(b)) && !(bNil && empty(a)) {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: SDK nil %v, deskplane nil %v", path, aNil, bNil))
		}
		return
	}
	switch {
	case a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Uint8:
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: SDK %x, deskplane %x", path, a.Bytes(), b.Bytes()))
		}
		c.leaves++
	case a.Kind() == reflect.Slice:
		// Trailing elements with no parameter of their own cannot be seen
		// in a form.
		n := a.Len()
		for n > b.Len() && empty(a.Index(n-1)) {
			n--
		}
		if n != b.Len() {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: SDK %d elements, deskplane %d", path, a.Len(), b.Len()))
			return
		}
		for i := range n {
			c.compare(path+"["+strconv.Itoa(i)+"]", a.Index(i), b.Index(i))
		}
	case a.Kind() == reflect.Map:
		if a.Len() != b.Len() {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: SDK %d entries, deskplane %d", path, a.Len(), b.Len()))
			return
		}
		bk := map[string]reflect.Value{}
		for _, k := range b.MapKeys() {
			bk[k.String()] = b.MapIndex(k)
		}
		for _, k := range a.MapKeys() {
			e, ok := bk[k.String()]
			if !ok {
				c.diffs = append(c.diffs, fmt.Sprintf("%s: key %q missing", path, k.String()))
				continue
			}
			c.compare(path+"["+k.String()+"]", a.MapIndex(k), e)
		}
	case a.Kind() == reflect.Struct && b.Kind() == reflect.Struct:
		for i := range a.NumField() {
			sf := a.Type().Field(i)
			if !sf.IsExported() || sf.Name == "ResultMetadata" {
				continue
			}
			if fb := b.FieldByName(sf.Name); fb.IsValid() {
				c.compare(path+"."+sf.Name, a.Field(i), fb)
			}
		}
	case a.Kind() == reflect.Interface:
	default:
		c.diffs = append(c.diffs, fmt.Sprintf("%s: cannot compare %s with %s", path, a.Type(), b.Type()))
	}
}

// empty reports whether v holds no value that a form could carry: nil
// pointers, empty lists and maps, enums held by value that are "", and
// structures of nothing else. A non-nil pointer to a scalar is sent.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return v.IsNil() || v.Elem().Kind() == reflect.Struct && empty(v.Elem())
	case reflect.Interface:
		return v.IsNil()
	case reflect.Struct:
		if v.Type() == timeType || v.Type() == timestampType {
			return false
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !empty(v.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Len() == 0
		}
		for i := range v.Len() {
			if !empty(v.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		return v.Len() == 0
	}
	return v.IsZero()
}

// fixRegions gives a real Region to the members the SDK resolves endpoints
// from (EC2 CopySnapshot presigns a request to its SourceRegion).
func fixRegions(in reflect.Value) {
	if f := in.Elem().FieldByName("SourceRegion"); f.IsValid() && f.Type() == reflect.TypeFor[*string]() {
		f.Set(reflect.ValueOf(aws.String("us-west-2")))
	}
}

type roundTrip struct {
	name   string
	client any
	rec    *recorder
	ops    []string
}

var roundTripSeed = flag.Uint64("roundtrip.seed", 0, "seed of TestSDKRoundTripEveryOperation (0: from the clock)")

func TestSDKRoundTripEveryOperation(t *testing.T) {
	seed := *roundTripSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -roundtrip.seed=%d)", seed, seed)
	filler := &valueFiller{r: rand.New(rand.NewPCG(seed, 7))}
	newRecorder := func(dec decoder, svc reflect.Type) *recorder {
		return &recorder{dec: dec, svc: svc, fill: &valueFiller{r: rand.New(rand.NewPCG(seed, 8))}}
	}
	serve := func(d awsquery.Dialect, name, version, ns string, rec *recorder) string {
		s := &awsquery.Service{Dialect: d, Name: name, Version: version, Namespace: ns, Backend: rec}
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body := new(bytes.Buffer)
			_, _ = body.ReadFrom(r.Body)
			s.Serve(w, r, body.Bytes(), deskplane.Caller{})
		}))
		t.Cleanup(ts.Close)
		return ts.URL
	}
	cfg := func(url string) aws.Config {
		return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
			BaseEndpoint: aws.String(url), Retryer: apptest.TransportRetryer, HTTPClient: apptest.NewHTTPClient()}
	}
	stsRec := newRecorder(stsapi.NewDispatcher(stsapi.Unimplemented{}), reflect.TypeFor[stsapi.Service]())
	iamRec := newRecorder(iamapi.NewDispatcher(iamapi.Unimplemented{}), reflect.TypeFor[iamapi.Service]())
	ec2Rec := newRecorder(ec2api.NewDispatcher(ec2api.Unimplemented{}), reflect.TypeFor[ec2api.Service]())
	trips := []roundTrip{
		{"sts", sts.NewFromConfig(cfg(serve(awsquery.AWSQuery, "STS", stsapi.APIVersion, stsapi.XMLNamespace, stsRec))), stsRec, stsapi.OperationNames()},
		{"iam", iam.NewFromConfig(cfg(serve(awsquery.AWSQuery, "IAM", iamapi.APIVersion, iamapi.XMLNamespace, iamRec))), iamRec, iamapi.OperationNames()},
		{"ec2", ec2.NewFromConfig(cfg(serve(awsquery.EC2Query, "EC2", ec2api.APIVersion, ec2api.XMLNamespace, ec2Rec))), ec2Rec, ec2api.OperationNames()},
	}
	rounds := 2
	if testing.Short() {
		rounds = 1
	}
	for _, rt := range trips {
		client := reflect.ValueOf(rt.client)
		var missing []string
		calls, leaves := 0, 0
		for _, op := range rt.ops {
			m := client.MethodByName(op)
			if !m.IsValid() {
				missing = append(missing, op)
				continue
			}
			for round := range rounds {
				filler.skip = round > 0
				in := reflect.New(m.Type().In(1).Elem())
				filler.fill(in.Elem(), 0, true)
				fixRegions(in)
				res := m.Call([]reflect.Value{reflect.ValueOf(context.Background()), in})
				if err, _ := res[1].Interface().(error); err != nil {
					var inv smithygo.InvalidParamsError
					if errors.As(err, &inv) {
						// A required member left out: send them all.
						filler.skip = false
						in = reflect.New(m.Type().In(1).Elem())
						filler.fill(in.Elem(), 0, true)
						fixRegions(in)
						res = m.Call([]reflect.Value{reflect.ValueOf(context.Background()), in})
						err, _ = res[1].Interface().(error)
					}
					if err != nil {
						t.Errorf("%s %s: %v", rt.name, op, err)
						continue
					}
				}
				calls++
				var c comparer
				rt.rec.mu.Lock()
				c.compare(op+"Input", in, reflect.ValueOf(rt.rec.in))
				c.compare(op+"Output", res[0], reflect.ValueOf(rt.rec.out))
				rt.rec.mu.Unlock()
				leaves += c.leaves
				for _, d := range c.diffs {
					t.Errorf("%s: %s", rt.name, d)
				}
			}
		}
		sort.Strings(missing)
		t.Logf("%s: %d calls of %d operations compared %d values; %d operations the SDK does not have: %v",
			rt.name, calls, len(rt.ops)-len(missing), leaves, len(missing), missing)
		if leaves < 2*calls {
			t.Errorf("%s: only %d values compared in %d calls", rt.name, leaves, calls)
		}
		if len(missing) > len(rt.ops)/20 {
			t.Errorf("%s: %d of %d operations not in the SDK", rt.name, len(missing), len(rt.ops))
		}
	}
}
