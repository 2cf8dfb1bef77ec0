package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskplane/deskplane/internal/sigv4"
)

// Client makes single signed calls, for set-up and discovery.
type Client struct {
	Endpoint   string
	Region     string
	HTTP       *http.Client
	AdminToken string // control API token; lets set-up move the clock
}

// Do sends one signed call and decodes a 200 answer into out. A non-200
// answer is returned as an error carrying its __type.
func (c *Client) Do(ctx context.Context, cred sigv4.Credential, call Call, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint+"/", bytes.NewReader(call.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", call.Target)
	if err := sigv4.Sign(req, call.Body, cred, c.Region, call.Service, time.Now()); err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", call.Target, resp.StatusCode, body)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

// Advance moves the server's clock through the control API (no-op without
// a token).
func (c *Client) Advance(ctx context.Context, d time.Duration) error {
	if c.AdminToken == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint+"/_deskplane/clock/advance",
		strings.NewReader(`{"duration":"`+d.String()+`"}`))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.AdminToken)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("control API clock/advance: HTTP %d", resp.StatusCode)
	}
	return nil
}

func ws(op string, body string) Call {
	return Call{Service: "workspaces", Target: "WorkspacesService." + op, Body: []byte(body)}
}

func ds(op string, body string) Call {
	return Call{Service: "ds", Target: "DirectoryService_20150416." + op, Body: []byte(body)}
}

// Fleet is what the mix works on in each account.
type Fleet struct {
	Directories []string // per account: a registered, any-user directory
	Bundle      string   // an AMAZON bundle
}

// AmazonBundle returns the id of a public Standard (or any) bundle.
func (c *Client) AmazonBundle(ctx context.Context, cred sigv4.Credential) (string, error) {
	var out struct {
		Bundles []struct {
			BundleId    string
			ComputeType struct{ Name string }
		}
	}
	if err := c.Do(ctx, cred, ws("DescribeWorkspaceBundles", `{"Owner":"AMAZON"}`), &out); err != nil {
		return "", err
	}
	if len(out.Bundles) == 0 {
		return "", fmt.Errorf("no AMAZON bundles")
	}
	for _, b := range out.Bundles {
		if b.ComputeType.Name == "STANDARD" {
			return b.BundleId, nil
		}
	}
	return out.Bundles[0].BundleId, nil
}

// wait polls check until it reports done, advancing the server clock
// between polls when it can.
func (c *Client) wait(ctx context.Context, what string, check func() (bool, error)) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not done after 2 minutes", what)
		}
		if err := c.Advance(ctx, 10*time.Minute); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SetUpDirectory creates a Simple AD directory that accepts any user name,
// waits for it to be Active, registers it with WorkSpaces and waits for
// REGISTERED. It returns the directory id.
func (c *Client) SetUpDirectory(ctx context.Context, cred sigv4.Credential, name string) (string, error) {
	var created struct{ DirectoryId string }
	body := `{"Name":"` + name + `.load.example.com","Password":"Load-Test-Pa55word","Size":"Small",` +
		`"VpcSettings":{"VpcId":"vpc-0123456789abcdef0","SubnetIds":["subnet-0123456789abcdef0","subnet-0fedcba9876543210"]},` +
		`"Tags":[{"Key":"deskplane:any-user","Value":"true"}]}`
	if err := c.Do(ctx, cred, ds("CreateDirectory", body), &created); err != nil {
		return "", err
	}
	id := created.DirectoryId
	err := c.wait(ctx, "directory "+id+" Active", func() (bool, error) {
		var out struct{ DirectoryDescriptions []struct{ Stage string } }
		err := c.Do(ctx, cred, ds("DescribeDirectories", `{"DirectoryIds":["`+id+`"]}`), &out)
		return err == nil && len(out.DirectoryDescriptions) == 1 && out.DirectoryDescriptions[0].Stage == "Active", err
	})
	if err != nil {
		return "", err
	}
	if err := c.Do(ctx, cred, ws("RegisterWorkspaceDirectory", `{"DirectoryId":"`+id+`","EnableWorkDocs":false}`), nil); err != nil {
		return "", err
	}
	err = c.wait(ctx, "directory "+id+" REGISTERED", func() (bool, error) {
		var out struct{ Directories []struct{ State string } }
		err := c.Do(ctx, cred, ws("DescribeWorkspaceDirectories", `{"DirectoryIds":["`+id+`"]}`), &out)
		return err == nil && len(out.Directories) == 1 && out.Directories[0].State == "REGISTERED", err
	})
	return id, err
}

// FindDirectory returns a registered directory of the account, or "".
func (c *Client) FindDirectory(ctx context.Context, cred sigv4.Credential) (string, error) {
	var out struct {
		Directories []struct{ DirectoryId, State string }
	}
	if err := c.Do(ctx, cred, ws("DescribeWorkspaceDirectories", `{}`), &out); err != nil {
		return "", err
	}
	for _, d := range out.Directories {
		if d.State == "REGISTERED" {
			return d.DirectoryId, nil
		}
	}
	return "", nil
}

// Prepare finds or creates, in every account, a registered directory that
// accepts any user name, and picks an AMAZON bundle.
func (c *Client) Prepare(ctx context.Context, accounts []sigv4.Credential) (*Fleet, error) {
	f := &Fleet{Directories: make([]string, len(accounts))}
	var err error
	if f.Bundle, err = c.AmazonBundle(ctx, accounts[0]); err != nil {
		return nil, err
	}
	for i, cred := range accounts {
		id, err := c.FindDirectory(ctx, cred)
		if err != nil {
			return nil, err
		}
		if id == "" {
			if id, err = c.SetUpDirectory(ctx, cred, "load"+strconv.Itoa(i)); err != nil {
				return nil, err
			}
		}
		f.Directories[i] = id
	}
	return f, nil
}

// CreateBatchBody is a CreateWorkspaces input of n WorkSpaces for unique
// user names.
func CreateBatchBody(directory, bundle, prefix string, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"Workspaces":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"DirectoryId":%q,"UserName":"%s-%d","BundleId":%q}`, directory, prefix, i, bundle)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// Preload creates perAccount WorkSpaces in every account of the fleet, 25 a
// call, with the given concurrency, and reports how long it took.
func (c *Client) Preload(ctx context.Context, accounts []sigv4.Credential, f *Fleet, perAccount, concurrency int, runID string) (time.Duration, error) {
	type job struct{ acct, batch, n int }
	jobs := make(chan job)
	var failed atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range max(concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				body := CreateBatchBody(f.Directories[j.acct], f.Bundle, fmt.Sprintf("%s-%d", runID, j.batch), j.n)
				var out struct {
					FailedRequests []struct{ ErrorCode, ErrorMessage string }
				}
				err := c.Do(ctx, accounts[j.acct], Call{Service: "workspaces", Target: "WorkspacesService.CreateWorkspaces", Body: body}, &out)
				if err == nil && len(out.FailedRequests) > 0 {
					err = fmt.Errorf("CreateWorkspaces: %d failed, first %s: %s", len(out.FailedRequests), out.FailedRequests[0].ErrorCode, out.FailedRequests[0].ErrorMessage)
				}
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	batch := 0
	for acct := range accounts {
		for left := perAccount; left > 0; left -= 25 {
			jobs <- job{acct: acct, batch: batch, n: min(25, left)}
			batch++
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return time.Since(start), fmt.Errorf("%d batches failed; first: %w", failed.Load(), firstErr)
	}
	return time.Since(start), nil
}

// PendingWorkspaces counts the WorkSpaces a CreateWorkspaces answer
// reports created (PendingRequests); an answer that does not decode counts
// none.
func PendingWorkspaces(body []byte) int {
	var out struct {
		PendingRequests []struct{ WorkspaceId string }
	}
	if json.Unmarshal(body, &out) != nil {
		return 0
	}
	n := 0
	for _, p := range out.PendingRequests {
		if p.WorkspaceId != "" {
			n++
		}
	}
	return n
}

// Mix builds the named operations. Known names: DescribeWorkspaces (first
// page of 25), DescribeWorkspacesByDirectory, DescribeWorkspaceBundles,
// DescribeWorkspaceDirectories, CreateWorkspaces (25 a call; needs a fleet).
func Mix(spec string, f *Fleet, runID string) ([]Op, error) {
	var ops []Op
	var seq atomic.Int64
	for _, part := range strings.Split(spec, ",") {
		name, w, _ := strings.Cut(strings.TrimSpace(part), "=")
		weight := 1
		if w != "" {
			n, err := strconv.Atoi(w)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("mix %q: weight of %s must be a positive whole number", spec, name)
			}
			weight = n
		}
		op := Op{Name: name, Weight: weight}
		switch name {
		case "DescribeWorkspaces":
			op.Build = func(int, int) Call {
				c := ws("DescribeWorkspaces", `{"Limit":25}`)
				c.Reusable = true
				return c
			}
		case "DescribeWorkspaceBundles":
			op.Build = func(int, int) Call {
				c := ws("DescribeWorkspaceBundles", `{"Owner":"AMAZON"}`)
				c.Reusable = true
				return c
			}
		case "DescribeWorkspaceDirectories":
			op.Build = func(int, int) Call {
				c := ws("DescribeWorkspaceDirectories", `{}`)
				c.Reusable = true
				return c
			}
		case "DescribeWorkspacesByDirectory", "CreateWorkspaces":
			if f == nil {
				return nil, fmt.Errorf("%s needs a fleet: a registered directory in each account (run with -prepare)", name)
			}
			if name == "CreateWorkspaces" {
				op.Build = func(acct, _ int) Call {
					n := seq.Add(1)
					return Call{Service: "workspaces", Target: "WorkspacesService.CreateWorkspaces",
						Body: CreateBatchBody(f.Directories[acct], f.Bundle, fmt.Sprintf("%s-c%d", runID, n), 25)}
				}
				op.Items = PendingWorkspaces
			} else {
				op.Build = func(acct, _ int) Call {
					c := ws("DescribeWorkspaces", `{"DirectoryId":"`+f.Directories[acct]+`","Limit":25}`)
					c.Reusable = true
					return c
				}
			}
		default:
			return nil, fmt.Errorf("unknown operation %q in the mix", name)
		}
		ops = append(ops, op)
	}
	return ops, nil
}
