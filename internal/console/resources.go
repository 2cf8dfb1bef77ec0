package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Pages of the other resources: directories, bundles, images, IP access
// control groups, connection aliases, pools. Lists page with the service's
// NextToken (?next=…).

// nextLink is the address of the listing's next page, or "".
func nextLink(base string, keep url.Values, param string, token *string) string {
	if token == nil || *token == "" {
		return ""
	}
	v := url.Values{}
	for k, vs := range keep {
		v[k] = vs
	}
	v.Set(param, *token)
	return base + "?" + v.Encode()
}

func tokenParam(q *req, name string) *string { return optional(q.r.URL.Query().Get(name)) }

// directoriesData is the directories page.
type directoriesData struct {
	Registered   []wsapi.WorkspaceDirectory
	Unregistered []dsapi.DirectoryDescription
	Problems     []string
	Sizes        []string
	Form         url.Values
	Base         string
}

func (h *Handler) directoriesPage(q *req) {
	h.showDirectories(q, http.StatusOK, url.Values{
		"vpc": {"vpc-0123456789abcdef0"}, "subnet1": {"subnet-0123456789abcdef0"}, "subnet2": {"subnet-0fedcba9876543210"},
		"size": {"Small"}, "anyuser": {"on"},
	}, "")
}

func (h *Handler) showDirectories(q *req, status int, form url.Values, problem string) {
	d := directoriesData{Form: form, Base: q.sc.Base(), Sizes: enumStrings(dsapi.DirectorySize("").Values())}
	if problem != "" {
		d.Problems = append(d.Problems, problem)
	}
	registered := map[string]bool{}
	in := &wsapi.DescribeWorkspaceDirectoriesRequest{}
	for range 20 {
		res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceDirectories, in)
		if err != nil {
			d.Problems = append(d.Problems, errText(err))
			break
		}
		for _, dir := range res.Directories {
			registered[str(dir.DirectoryId)] = true
			d.Registered = append(d.Registered, dir)
		}
		if res.NextToken == nil || *res.NextToken == "" {
			break
		}
		in.NextToken = res.NextToken
	}
	din := &dsapi.DescribeDirectoriesRequest{}
	for range 100 {
		res, err := ds(h, q, h.d.Directories.DescribeDirectories, din)
		if err != nil {
			d.Problems = append(d.Problems, errText(err))
			break
		}
		for _, dir := range res.DirectoryDescriptions {
			if !registered[str(dir.DirectoryId)] {
				d.Unregistered = append(d.Unregistered, dir)
			}
		}
		if res.NextToken == nil || *res.NextToken == "" {
			break
		}
		din.NextToken = res.NextToken
	}
	h.show(q, status, "directories", "Directories", "directories", d)
}

// createDirectory creates a Simple AD directory with Directory Service's
// CreateDirectory.
func (h *Handler) createDirectory(q *req) {
	f := q.r.PostForm
	in := &dsapi.CreateDirectoryRequest{
		Name: optional(f.Get("name")), ShortName: optional(f.Get("short")), Password: optional(f.Get("password")),
		Description: optional(f.Get("description")), Size: dsapi.DirectorySize(f.Get("size")),
	}
	var subnets []string
	for _, s := range []string{f.Get("subnet1"), f.Get("subnet2")} {
		if s = strings.TrimSpace(s); s != "" {
			subnets = append(subnets, s)
		}
	}
	if vpc := optional(f.Get("vpc")); vpc != nil || len(subnets) > 0 {
		in.VpcSettings = &dsapi.DirectoryVpcSettings{VpcId: vpc, SubnetIds: subnets}
	}
	if f.Get("anyuser") != "" {
		in.Tags = []dsapi.Tag{{Key: ptr("deskplane:any-user"), Value: ptr("true")}}
	}
	out, err := ds(h, q, h.d.Directories.CreateDirectory, in)
	if err != nil {
		form := url.Values{}
		for k, v := range f {
			if k != "password" && k != "csrf" {
				form[k] = v
			}
		}
		h.showDirectories(q, http.StatusBadRequest, form, "Create directory failed: "+errText(err))
		return
	}
	h.redirect(q, q.sc.Base()+"/directories", "ok", "Directory "+str(out.DirectoryId)+" is being created; register it with WorkSpaces once it is Active.")
}

// directoryData is a directory's page.
type directoryData struct {
	W        *wsapi.WorkspaceDirectory
	D        *dsapi.DirectoryDescription
	Problems []string
	Base     string
}

func (h *Handler) directoryPage(q *req) {
	id := q.r.PathValue("id")
	d := directoryData{Base: q.sc.Base()}
	if res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceDirectories, &wsapi.DescribeWorkspaceDirectoriesRequest{DirectoryIds: []string{id}}); err == nil {
		if len(res.Directories) > 0 {
			d.W = &res.Directories[0]
		}
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	if strings.HasPrefix(id, "d-") {
		if res, err := ds(h, q, h.d.Directories.DescribeDirectories, &dsapi.DescribeDirectoriesRequest{DirectoryIds: []string{id}}); err == nil {
			if len(res.DirectoryDescriptions) > 0 {
				d.D = &res.DirectoryDescriptions[0]
			}
		} else if d.W == nil {
			d.Problems = append(d.Problems, errText(err))
		}
	}
	if d.W == nil && d.D == nil {
		msg := "There is no directory " + id + " in account " + q.sc.Account + ", Region " + q.sc.Region + "."
		if len(d.Problems) > 0 {
			msg = strings.Join(d.Problems, " ")
		}
		h.notFound(q.w, q.r, msg)
		return
	}
	h.show(q, http.StatusOK, "directory", "Directory "+id, "directories", d)
}

// directoryAction registers a directory with WorkSpaces or deregisters it.
func (h *Handler) directoryAction(q *req) {
	id := q.r.PathValue("id")
	back := q.sc.Base() + "/directories/" + url.PathEscape(id)
	switch q.r.PathValue("action") {
	case "register":
		in := &wsapi.RegisterWorkspaceDirectoryRequest{DirectoryId: ptr(id)}
		if q.r.PostForm.Get("selfservice") != "" {
			in.EnableSelfService = ptr(true)
		}
		_, err := ws(h, q, h.d.WorkSpaces.RegisterWorkspaceDirectory, in)
		h.afterCall(q, back, err, "Directory "+id+" is being registered with WorkSpaces (REGISTERING, then REGISTERED).")
	case "deregister":
		if !confirmed(q) {
			h.confirm(q, "Deregister directory", confirmData{Question: fmt.Sprintf("Deregister %s from WorkSpaces? It must have no WorkSpaces left.", id),
				Button: "Deregister", Danger: true, Cancel: back})
			return
		}
		_, err := ws(h, q, h.d.WorkSpaces.DeregisterWorkspaceDirectory, &wsapi.DeregisterWorkspaceDirectoryRequest{DirectoryId: ptr(id)})
		h.afterCall(q, back, err, "Directory "+id+" is being deregistered.")
	default:
		h.notFound(q.w, q.r, "There is no directory action "+q.r.PathValue("action")+".")
	}
}

// bundlesData is the bundles page.
type bundlesData struct {
	Own, Amazon         []wsapi.WorkspaceBundle
	OwnNext, AmazonNext string
	Problems            []string
}

func (h *Handler) bundlesPage(q *req) {
	var d bundlesData
	base := q.sc.Base() + "/bundles"
	keep := q.r.URL.Query()
	if res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceBundles, &wsapi.DescribeWorkspaceBundlesRequest{NextToken: tokenParam(q, "own")}); err == nil {
		d.Own, d.OwnNext = res.Bundles, nextLink(base, keep, "own", res.NextToken)
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	if res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceBundles, &wsapi.DescribeWorkspaceBundlesRequest{Owner: ptr("AMAZON"), NextToken: tokenParam(q, "amazon")}); err == nil {
		d.Amazon, d.AmazonNext = res.Bundles, nextLink(base, keep, "amazon", res.NextToken)
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	h.show(q, http.StatusOK, "bundles", "Bundles", "bundles", d)
}

// imagesData is the images page.
type imagesData struct {
	Images   []wsapi.WorkspaceImage
	Next     string
	Type     string
	Problems []string
	Base     string
}

func (h *Handler) imagesPage(q *req) {
	d := imagesData{Base: q.sc.Base(), Type: q.r.URL.Query().Get("type")}
	in := &wsapi.DescribeWorkspaceImagesRequest{NextToken: tokenParam(q, "next"), ImageType: wsapi.ImageType(d.Type)}
	if res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceImages, in); err == nil {
		d.Images, d.Next = res.Images, nextLink(q.sc.Base()+"/images", q.r.URL.Query(), "next", res.NextToken)
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	h.show(q, http.StatusOK, "images", "Images", "images", d)
}

// imageData is an image's page.
type imageData struct {
	I           wsapi.WorkspaceImage
	Own         bool
	Permissions []wsapi.ImagePermission
	Accounts    []string
	Problems    []string
	Base        string
}

func (h *Handler) imagePage(q *req) {
	id := q.r.PathValue("id")
	res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceImages, &wsapi.DescribeWorkspaceImagesRequest{ImageIds: []string{id}})
	if err != nil || len(res.Images) == 0 {
		msg := "There is no image " + id + " in account " + q.sc.Account + ", Region " + q.sc.Region + "."
		if err != nil {
			msg = errText(err)
		}
		h.notFound(q.w, q.r, msg)
		return
	}
	d := imageData{I: res.Images[0], Base: q.sc.Base()}
	d.Own = str(d.I.OwnerAccountId) == q.sc.Account
	for _, a := range h.d.Accounts {
		if a != q.sc.Account {
			d.Accounts = append(d.Accounts, a)
		}
	}
	if d.Own {
		in := &wsapi.DescribeWorkspaceImagePermissionsRequest{ImageId: ptr(id)}
		for range 100 {
			p, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceImagePermissions, in)
			if err != nil {
				d.Problems = append(d.Problems, errText(err))
				break
			}
			d.Permissions = append(d.Permissions, p.ImagePermissions...)
			if p.NextToken == nil || *p.NextToken == "" {
				break
			}
			in.NextToken = p.NextToken
		}
	}
	h.show(q, http.StatusOK, "image", "Image "+id, "images", d)
}

// imageAction shares an image with an account or stops sharing it.
func (h *Handler) imageAction(q *req) {
	id := q.r.PathValue("id")
	back := q.sc.Base() + "/images/" + url.PathEscape(id)
	account := strings.TrimSpace(q.r.PostForm.Get("account"))
	var allow bool
	switch q.r.PathValue("action") {
	case "share":
		allow = true
	case "unshare":
	default:
		h.notFound(q.w, q.r, "There is no image action "+q.r.PathValue("action")+".")
		return
	}
	if !confirmed(q) {
		verb, question := "Share", fmt.Sprintf("Share image %s with account %s? That account can then copy it and launch WorkSpaces from it.", id, account)
		if !allow {
			verb, question = "Stop sharing", fmt.Sprintf("Stop sharing image %s with account %s?", id, account)
		}
		h.confirm(q, verb+" image", confirmData{Question: question, Button: verb, Danger: !allow, Cancel: back})
		return
	}
	_, err := ws(h, q, h.d.WorkSpaces.UpdateWorkspaceImagePermission, &wsapi.UpdateWorkspaceImagePermissionRequest{
		ImageId: ptr(id), AllowCopyImage: ptr(allow), SharedAccountId: optional(account)})
	if allow {
		h.afterCall(q, back, err, "Image "+id+" is shared with account "+account+".")
	} else {
		h.afterCall(q, back, err, "Image "+id+" is no longer shared with account "+account+".")
	}
}

type ipGroupsData struct {
	Groups   []wsapi.WorkspacesIpGroup
	Next     string
	Problems []string
}

func (h *Handler) ipGroupsPage(q *req) {
	var d ipGroupsData
	if res, err := ws(h, q, h.d.WorkSpaces.DescribeIpGroups, &wsapi.DescribeIpGroupsRequest{NextToken: tokenParam(q, "next")}); err == nil {
		d.Groups, d.Next = res.Result, nextLink(q.sc.Base()+"/ipgroups", q.r.URL.Query(), "next", res.NextToken)
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	h.show(q, http.StatusOK, "ipgroups", "IP access control groups", "ipgroups", d)
}

type aliasesData struct {
	Aliases  []wsapi.ConnectionAlias
	Next     string
	Problems []string
}

func (h *Handler) aliasesPage(q *req) {
	var d aliasesData
	if res, err := ws(h, q, h.d.WorkSpaces.DescribeConnectionAliases, &wsapi.DescribeConnectionAliasesRequest{NextToken: tokenParam(q, "next")}); err == nil {
		d.Aliases, d.Next = res.ConnectionAliases, nextLink(q.sc.Base()+"/aliases", q.r.URL.Query(), "next", res.NextToken)
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	h.show(q, http.StatusOK, "aliases", "Connection aliases", "aliases", d)
}

type poolsData struct {
	Pools    []wsapi.WorkspacesPool
	Next     string
	Problems []string
}

func (h *Handler) poolsPage(q *req) {
	var d poolsData
	if res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspacesPools, &wsapi.DescribeWorkspacesPoolsRequest{NextToken: tokenParam(q, "next")}); err == nil {
		d.Pools, d.Next = res.WorkspacesPools, nextLink(q.sc.Base()+"/pools", q.r.URL.Query(), "next", res.NextToken)
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	h.show(q, http.StatusOK, "pools", "Pools", "pools", d)
}
