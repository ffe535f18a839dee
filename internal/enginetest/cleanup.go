package enginetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Cleanup removes everything of run runID: containers labelled with it
// (forced, with their anonymous volumes), images labelled with it or
// recorded by its seed (by ID), volumes and networks labelled with it, and
// the build-cache records its seed recorded (POST /build/prune with an
// anchored id filter — never a general prune). Objects already gone are not
// errors; nothing else is touched. It is safe after a partial seed and safe
// to call twice.
func (e *Engine) Cleanup(ctx context.Context, runID string) error {
	if runID == "" || strings.ContainsAny(runID, "=,\"") {
		return fmt.Errorf("enginetest: refusing to clean up run ID %q", runID)
	}
	var errs []error
	gone := func(err error) bool { return err == nil || StatusCode(err) == http.StatusNotFound }
	filters := LabelFilters(runID)

	// Containers first: they pin images, volumes and networks.
	var cs []struct {
		ID string `json:"Id"`
	}
	q := url.Values{"all": {"1"}, "filters": filters["filters"]}
	if err := e.Do(ctx, http.MethodGet, "/containers/json", q, nil, &cs); err != nil {
		errs = append(errs, err)
	}
	for _, c := range cs {
		if err := e.Do(ctx, http.MethodDelete, "/containers/"+c.ID, url.Values{"force": {"1"}, "v": {"1"}}, nil, nil); !gone(err) {
			errs = append(errs, err)
		}
	}

	// Images, by ID: labelled ones and recorded ones.
	recImages, recCache := e.recorded(runID)
	var is []struct {
		ID string `json:"Id"`
	}
	q = url.Values{"all": {"1"}, "filters": filters["filters"]}
	if err := e.Do(ctx, http.MethodGet, "/images/json", q, nil, &is); err != nil {
		errs = append(errs, err)
	}
	ids := map[string]bool{}
	var order []string
	for _, id := range recImages {
		if !ids[id] {
			ids[id] = true
			order = append(order, id)
		}
	}
	for _, im := range is {
		if !ids[im.ID] {
			ids[im.ID] = true
			order = append(order, im.ID)
		}
	}
	// A few passes, in case one image is a parent of another (409 until
	// the child is gone).
	for pass := 0; pass < 3 && len(order) > 0; pass++ {
		var retry []string
		var last []error
		for _, id := range order {
			err := e.Do(ctx, http.MethodDelete, "/images/"+id, url.Values{"force": {"1"}}, nil, nil)
			if !gone(err) {
				retry = append(retry, id)
				last = append(last, err)
			}
		}
		order = retry
		if pass == 2 {
			errs = append(errs, last...)
		}
	}

	var vs struct {
		Volumes []struct{ Name string }
	}
	if err := e.Do(ctx, http.MethodGet, "/volumes", filters, nil, &vs); err != nil {
		errs = append(errs, err)
	}
	for _, v := range vs.Volumes {
		if err := e.Do(ctx, http.MethodDelete, "/volumes/"+v.Name, nil, nil, nil); !gone(err) {
			errs = append(errs, err)
		}
	}

	var ns []struct {
		ID string `json:"Id"`
	}
	if err := e.Do(ctx, http.MethodGet, "/networks", filters, nil, &ns); err != nil {
		errs = append(errs, err)
	}
	for _, n := range ns {
		if err := e.Do(ctx, http.MethodDelete, "/networks/"+n.ID, nil, nil, nil); !gone(err) {
			errs = append(errs, err)
		}
	}

	// Build cache: only the recorded records. The id filter is a regular
	// expression and 20.10 takes a single value: one anchored alternation.
	if len(recCache) > 0 {
		quoted := make([]string, len(recCache))
		for i, id := range recCache {
			quoted[i] = regexp.QuoteMeta(id)
		}
		q := url.Values{"all": {"1"}, "filters": {filterJSON("id", "^("+strings.Join(quoted, "|")+")$")}}
		if err := e.Do(ctx, http.MethodPost, "/build/prune", q, nil, nil); err != nil {
			errs = append(errs, err)
		}
	}

	if err := errors.Join(errs...); err != nil {
		return err
	}
	e.mu.Lock()
	delete(e.made, runID)
	e.mu.Unlock()
	return nil
}
