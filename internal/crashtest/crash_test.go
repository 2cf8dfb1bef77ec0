// Package crashtest proves that every write deskplane acknowledged survives
// kill -9: it builds the real binary, drives concurrent writes through the
// real SDK, sends SIGKILL at a random moment, restarts on the same data
// directory and checks that every acknowledged resource is present, whole,
// and finishes the transition it was in.
package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

const adminToken = "crash-admin"

// server is one run of the binary.
type server struct {
	cmd *exec.Cmd
	url string
	// http is this run's own client: connections to a killed run must not
	// be reused for the next one.
	http *http.Client
	// region is where the round works: each round in a Region of its own
	// stays within the per-Region directory limit.
	region string
}

// roundRegion is the Region of a round.
func roundRegion(round int) string {
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	return regions[round%len(regions)]
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "github.com/deskplane/deskplane")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/deskplane/deskplane/cmd/deskplane").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func start(t *testing.T, bin, dataDir, addr string) *server {
	t.Helper()
	cmd := exec.Command(bin, "-addr", addr, "-data-dir", dataDir, "-timing", "realistic", "-admin-token", adminToken, "-log-level", "warn", "-quota-workspaces", "1000000")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The banner's endpoint line means the server is listening.
	sc := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		if strings.Contains(sc.Text(), "endpoint:") {
			go func() {
				for sc.Scan() {
				}
			}()
			return &server{cmd: cmd, url: "http://" + addr, http: apptest.NewHTTPClient()}
		}
	}
	t.Fatal("deskplane did not start")
	return nil
}

func (s *server) kill(t *testing.T) {
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

func (s *server) stop(t *testing.T) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Error("deskplane did not shut down within 15s of SIGTERM")
	}
}

func (s *server) ds() *directoryservice.Client {
	return directoryservice.NewFromConfig(aws.Config{
		Region:       s.region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(s.url),
		Retryer:      apptest.TransportRetryer,
		HTTPClient:   s.http,
	})
}

func (s *server) advance(t *testing.T, d time.Duration) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"duration": d.String()})
	req, _ := http.NewRequest("POST", s.url+"/_deskplane/clock/advance", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("advance: %d", resp.StatusCode)
	}
}

// acked is what the server acknowledged before it died.
type acked struct {
	mu   sync.Mutex
	dirs map[string]string            // directory id → name
	tags map[string]map[string]string // directory id → tag values acknowledged
	// inflight holds, per directory and key, a value sent but not (yet)
	// acknowledged when the server died: it may or may not have landed.
	inflight   map[string]map[string]string
	workspaces map[string]string // WorkSpace id → user name
}

func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	addr := freePort(t)
	for round := range 3 {
		t.Run(fmt.Sprintf("round%d", round), func(t *testing.T) {
			runRound(t, bin, dataDir, addr, round)
		})
	}
}

func runRound(t *testing.T, bin, dataDir, addr string, round int) {
	srv := start(t, bin, dataDir, addr)
	srv.region = roundRegion(round)
	ack := &acked{dirs: map[string]string{}, tags: map[string]map[string]string{},
		inflight: map[string]map[string]string{}, workspaces: map[string]string{}}
	wsDir := registeredDirectory(t, srv, fmt.Sprintf("crash%d", round))
	bundle := amazonBundle(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			tagWriter(ctx, srv.ds(), ack, fmt.Sprintf("r%dw%d", round, w))
		}()
		go func() {
			defer wg.Done()
			workspaceWriter(ctx, srv.ws(), ack, wsDir, bundle, fmt.Sprintf("r%dw%d", round, w))
		}()
	}
	// Kill at a random moment while the writers are busy, once some writes
	// were acknowledged (a loaded machine may take seconds for the first).
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		ack.mu.Lock()
		some := len(ack.dirs) > 0 && len(ack.workspaces) > 0
		ack.mu.Unlock()
		if some {
			break
		}
	}
	time.Sleep(time.Duration(rand.IntN(800)) * time.Millisecond)
	srv.kill(t)
	cancel()
	wg.Wait()
	ack.mu.Lock()
	defer ack.mu.Unlock()
	if len(ack.dirs) == 0 || len(ack.workspaces) == 0 {
		t.Fatal("no write was acknowledged before the kill; the test proves nothing")
	}

	srv = start(t, bin, dataDir, addr)
	srv.region = roundRegion(round)
	defer srv.stop(t)
	ds := srv.ds()
	got := describeAll(t, ds)
	for id, name := range ack.dirs {
		d, ok := got[id]
		if !ok {
			t.Errorf("acknowledged directory %s (%s) is gone after kill -9", id, name)
			continue
		}
		if aws.ToString(d.Name) != name || d.VpcSettings == nil || len(d.VpcSettings.SubnetIds) != 2 {
			t.Errorf("directory %s came back damaged: %+v", id, d)
		}
		tags, err := ds.ListTagsForResource(context.Background(), &directoryservice.ListTagsForResourceInput{ResourceId: aws.String(id)})
		if err != nil {
			t.Errorf("tags of %s: %v", id, err)
			continue
		}
		have := map[string]string{}
		for _, tg := range tags.Tags {
			have[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		for k, v := range ack.tags[id] {
			if have[k] != v && have[k] != ack.inflight[id][k] {
				t.Errorf("acknowledged tag %s=%s of %s is %q after kill -9", k, v, id, have[k])
			}
		}
	}
	wsc := srv.ws()
	wss := describeWorkspaces(t, wsc)
	for id, user := range ack.workspaces {
		w, ok := wss[id]
		if !ok {
			t.Errorf("acknowledged WorkSpace %s (%s) is gone after kill -9", id, user)
			continue
		}
		if aws.ToString(w.UserName) != user || aws.ToString(w.DirectoryId) != wsDir || aws.ToString(w.BundleId) != bundle {
			t.Errorf("WorkSpace %s came back damaged: %+v", id, w)
		}
	}
	// Transitions in flight at the kill resume: every directory gets Active.
	srv.advance(t, time.Hour)
	for id, d := range describeAll(t, ds) {
		if d.Stage != dstypes.DirectoryStageActive {
			t.Errorf("directory %s is %s after the restart and an hour, want Active", id, d.Stage)
		}
	}
	after := describeWorkspaces(t, wsc)
	for id := range ack.workspaces {
		if w := after[id]; w.State != wstypes.WorkspaceStateAvailable {
			t.Errorf("WorkSpace %s is %s after the restart and an hour, want AVAILABLE", id, w.State)
		}
	}
	t.Logf("round %d: %d directories, %d tag values and %d WorkSpaces acknowledged, all present after kill -9",
		round, len(ack.dirs), countTags(ack), len(ack.workspaces))
}

func countTags(a *acked) int {
	n := 0
	for _, m := range a.tags {
		n += len(m)
	}
	return n
}

func describeAll(t *testing.T, ds *directoryservice.Client) map[string]dstypes.DirectoryDescription {
	t.Helper()
	out := map[string]dstypes.DirectoryDescription{}
	var token *string
	for {
		page, err := ds.DescribeDirectories(context.Background(), &directoryservice.DescribeDirectoriesInput{NextToken: token})
		if err != nil {
			t.Fatalf("DescribeDirectories after restart: %v", err)
		}
		for _, d := range page.DirectoryDescriptions {
			out[aws.ToString(d.DirectoryId)] = d
		}
		if page.NextToken == nil {
			return out
		}
		token = page.NextToken
	}
}

// tagWriter creates a directory, then overwrites its tags over and over,
// recording what was acknowledged, until the server dies.
func tagWriter(ctx context.Context, ds *directoryservice.Client, ack *acked, name string) {
	dirName := name + ".crash.example.com"
	out, err := ds.CreateDirectory(ctx, &directoryservice.CreateDirectoryInput{
		Name:     aws.String(dirName),
		Password: aws.String("Crash-Test-Pa55word"),
		Size:     dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{
			VpcId:     aws.String("vpc-0123456789abcdef0"),
			SubnetIds: []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"},
		},
	})
	if err != nil {
		return
	}
	id := aws.ToString(out.DirectoryId)
	ack.mu.Lock()
	ack.dirs[id] = dirName
	ack.tags[id] = map[string]string{}
	ack.inflight[id] = map[string]string{}
	ack.mu.Unlock()
	for i := 0; ctx.Err() == nil; i++ {
		k, v := fmt.Sprintf("k%d", i%40), fmt.Sprintf("v%d-%s", i, name)
		ack.mu.Lock()
		ack.inflight[id][k] = v
		ack.mu.Unlock()
		_, err := ds.AddTagsToResource(ctx, &directoryservice.AddTagsToResourceInput{
			ResourceId: aws.String(id), Tags: []dstypes.Tag{{Key: aws.String(k), Value: aws.String(v)}},
		})
		if err != nil {
			return
		}
		ack.mu.Lock()
		ack.tags[id][k] = v
		ack.mu.Unlock()
	}
}

// workspaceWriter creates WorkSpaces 25 at a time until the server dies.
func workspaceWriter(ctx context.Context, ws *workspaces.Client, ack *acked, dir, bundle, name string) {
	for batch := 0; ctx.Err() == nil; batch++ {
		reqs := make([]wstypes.WorkspaceRequest, 25)
		for i := range reqs {
			reqs[i] = wstypes.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle),
				UserName: aws.String(fmt.Sprintf("%s-%d-%d", name, batch, i))}
		}
		out, err := ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: reqs})
		if err != nil {
			return
		}
		ack.mu.Lock()
		for _, w := range out.PendingRequests {
			ack.workspaces[aws.ToString(w.WorkspaceId)] = aws.ToString(w.UserName)
		}
		ack.mu.Unlock()
	}
}

func (s *server) ws() *workspaces.Client {
	return workspaces.NewFromConfig(aws.Config{
		Region:       s.region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(s.url),
		Retryer:      apptest.TransportRetryer,
		HTTPClient:   s.http,
	})
}

// registeredDirectory creates an any-user directory and registers it,
// advancing the clock through each transition.
func registeredDirectory(t *testing.T, srv *server, name string) string {
	t.Helper()
	ctx := context.Background()
	out, err := srv.ds().CreateDirectory(ctx, &directoryservice.CreateDirectoryInput{
		Name: aws.String(name + ".ws.example.com"), Password: aws.String("Crash-Test-Pa55word"), Size: dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"),
			SubnetIds: []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}},
		Tags: []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.advance(t, time.Hour)
	if _, err := srv.ws().RegisterWorkspaceDirectory(ctx, &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: out.DirectoryId}); err != nil {
		t.Fatal(err)
	}
	srv.advance(t, time.Hour)
	return aws.ToString(out.DirectoryId)
}

func amazonBundle(t *testing.T, srv *server) string {
	t.Helper()
	out, err := srv.ws().DescribeWorkspaceBundles(context.Background(), &workspaces.DescribeWorkspaceBundlesInput{Owner: aws.String("AMAZON")})
	if err != nil || len(out.Bundles) == 0 {
		t.Fatalf("AMAZON bundles: %v", err)
	}
	return aws.ToString(out.Bundles[0].BundleId)
}

func describeWorkspaces(t *testing.T, ws *workspaces.Client) map[string]wstypes.Workspace {
	t.Helper()
	out := map[string]wstypes.Workspace{}
	var token *string
	for {
		page, err := ws.DescribeWorkspaces(context.Background(), &workspaces.DescribeWorkspacesInput{NextToken: token})
		if err != nil {
			t.Fatalf("DescribeWorkspaces after restart (after %d WorkSpaces read): %v", len(out), err)
		}
		for _, w := range page.Workspaces {
			out[aws.ToString(w.WorkspaceId)] = w
		}
		if page.NextToken == nil {
			return out
		}
		token = page.NextToken
	}
}
