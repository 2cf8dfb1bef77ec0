package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// home sends the browser to the default account's WorkSpaces.
func (h *Handler) home(q *req) {
	http.Redirect(q.w, q.r, h.defaultScope().Base()+"/workspaces", http.StatusSeeOther)
}

// scopePages are the pages the scope picker may go to.
func scopePages() []string {
	return []string{"workspaces", "directories", "bundles", "images", "ipgroups", "aliases", "pools"}
}

// goScope is the scope picker's target: it checks the account and Region
// and goes to the same page in the new scope.
func (h *Handler) goScope(q *req) {
	v := q.r.URL.Query()
	sc := scope{Account: v.Get("account"), Region: strings.TrimSpace(v.Get("region"))}
	page := v.Get("page")
	if !slices.Contains(scopePages(), page) {
		page = "workspaces"
	}
	if !slices.Contains(h.d.Accounts, sc.Account) || !h.regionServed(sc.Region) {
		h.errorPage(q.w, q.r, http.StatusBadRequest, fmt.Sprintf("Account %q in Region %q cannot be shown: pick a configured account and a Region name such as us-east-1.", sc.Account, sc.Region))
		return
	}
	http.Redirect(q.w, q.r, sc.Base()+"/"+page, http.StatusSeeOther)
}

// clockJSON answers the service clock for the page's script.
func (h *Handler) clockJSON(q *req) {
	if h.d.Controls == nil {
		writeJSON(q.w, http.StatusNotFound, map[string]string{"error": "no test controls"})
		return
	}
	writeJSON(q.w, http.StatusOK, h.d.Controls.Clock())
}

// controlsData is the test controls page.
type controlsData struct {
	Clock        ClockState
	Timing       TimingState
	Overrides    string
	Faults       FaultState
	Kinds        []string
	Operations   []string
	Accounts     []string
	Steps        []string
	DefaultScope scope
}

func (h *Handler) controlsPage(q *req) {
	c := h.d.Controls
	if c == nil {
		h.notFound(q.w, q.r, "This deskplane has no test controls.")
		return
	}
	d := controlsData{Clock: c.Clock(), Timing: c.Timing(), Faults: c.Faults(), Kinds: c.FaultKinds(),
		Accounts: h.d.Accounts, Steps: []string{"1m", "5m", "30m", "1h", "6h", "24h"}, DefaultScope: h.defaultScope()}
	var ov []string
	for _, t := range d.Timing.Durations {
		if t.Overridden {
			ov = append(ov, t.Name+"="+t.Duration.String())
		}
	}
	d.Overrides = strings.Join(ov, "\n")
	d.Operations = append(wsapi.OperationNames(), dsapi.OperationNames()...)
	h.show(q, http.StatusOK, "controls", "Test controls", "controls", d)
}

// controlAction changes a test control and goes back to the page the form
// was on.
func (h *Handler) controlAction(q *req) {
	c := h.d.Controls
	if c == nil {
		h.notFound(q.w, q.r, "This deskplane has no test controls.")
		return
	}
	f := q.r.PostForm
	back := safeNext(f.Get("return"))
	if back == Prefix {
		back = Prefix + "controls"
	}
	ctx := q.r.Context()
	switch q.r.PathValue("action") {
	case "advance":
		by, err := time.ParseDuration(strings.TrimSpace(f.Get("by")))
		if err != nil || by < 0 {
			h.redirect(q, back, "error", fmt.Sprintf("%q is not a duration such as 30m, 6h or 90s; the clock only moves forward.", f.Get("by")))
			return
		}
		st, err := c.AdvanceClock(ctx, by)
		if err != nil {
			h.redirect(q, back, "error", "Advancing the clock failed: "+err.Error())
			return
		}
		h.redirect(q, back, "ok", fmt.Sprintf("Clock advanced by %s to %s; %d transition(s) fired.", by, st.Now.UTC().Format(time.DateTime), st.Fired))
	case "freeze":
		_, err := c.FreezeClock(ctx)
		h.afterControl(q, back, err, "Clock frozen: it moves only when advanced.")
	case "unfreeze":
		_, err := c.UnfreezeClock(ctx)
		h.afterControl(q, back, err, "Clock running again.")
	case "timing":
		ov := map[string]string{}
		for _, line := range strings.Split(f.Get("overrides"), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				h.redirect(q, back, "error", fmt.Sprintf("Override %q: write transition=duration, such as workspace.create=30s.", line))
				return
			}
			ov[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		err := c.SetTiming(f.Get("profile"), ov)
		h.afterControl(q, back, err, "Timing profile set.")
	case "callfault":
		cf := CallFault{Operation: strings.TrimSpace(f.Get("operation")), Account: f.Get("account"), Region: strings.TrimSpace(f.Get("region")),
			Error: strings.TrimSpace(f.Get("error")), Message: f.Get("message"), Latency: strings.TrimSpace(f.Get("latency"))}
		var err error
		if cf.Probability, err = parseFloat(f.Get("probability")); err == nil {
			if cf.Status, err = parseInt(f.Get("status")); err == nil {
				cf.Count, err = parseInt(f.Get("count"))
			}
		}
		if err == nil {
			cf, err = c.AddCallFault(cf)
		}
		h.afterControl(q, back, err, "Call fault "+cf.ID+" added.")
	case "transitionfault":
		tf := TransitionFault{Kind: f.Get("kind"), ResourceID: strings.TrimSpace(f.Get("resource")), Account: f.Get("account"),
			Region: strings.TrimSpace(f.Get("region")), State: strings.TrimSpace(f.Get("state")),
			ErrorCode: strings.TrimSpace(f.Get("code")), ErrorMessage: f.Get("message")}
		var err error
		if tf.Count, err = parseInt(f.Get("count")); err == nil {
			tf, err = c.AddTransitionFault(tf)
		}
		h.afterControl(q, back, err, "Transition fault "+tf.ID+" added.")
	case "throttling":
		t := Throttling{Enabled: f.Get("enabled") != ""}
		var err error
		if t.Rate, err = parseFloat(f.Get("rate")); err == nil {
			t.Burst, err = parseFloat(f.Get("burst"))
		}
		if err == nil {
			err = c.SetThrottling(t)
		}
		h.afterControl(q, back, err, "Throttling set.")
	case "clear":
		c.ClearFaults()
		h.redirect(q, back, "ok", "Every fault cleared and throttling off.")
	case "reset":
		account := f.Get("account")
		if !slices.Contains(h.d.Accounts, account) {
			h.redirect(q, back, "error", "Pick the account to reset.")
			return
		}
		if !confirmed(q) {
			h.confirm(q, "Reset account", confirmData{Question: fmt.Sprintf("Delete every resource of account %s in every Region? This cannot be undone.", account),
				Button: "Reset account " + account, Danger: true, Cancel: back})
			return
		}
		err := c.ResetAccount(ctx, account)
		h.afterControl(q, back, err, "Account "+account+" reset: it has no resources left.")
	default:
		h.notFound(q.w, q.r, "There is no test control "+q.r.PathValue("action")+".")
	}
}

func (h *Handler) afterControl(q *req, back string, err error, okText string) {
	if err != nil {
		h.redirect(q, back, "error", err.Error())
		return
	}
	h.redirect(q, back, "ok", okText)
}

func parseFloat(s string) (float64, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

func parseInt(s string) (int, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return v, nil
}
