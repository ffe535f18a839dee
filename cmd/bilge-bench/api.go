package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// endpoint is one raw API call the bench times.
type endpoint struct {
	name  string // as printed
	path  string
	query url.Values
	list  bool // a cheap list call (the first frame waits for these)
}

var endpoints = []endpoint{
	{name: "/images/json", path: "/images/json", list: true},
	{name: "/containers/json?all=1", path: "/containers/json", query: url.Values{"all": {"1"}}, list: true},
	{name: "/volumes", path: "/volumes", list: true},
	{name: "/networks", path: "/networks", list: true},
	{name: "/system/df", path: "/system/df"},
}

// apiFigures times each endpoint (the whole answer read, not decoded) and
// reports the medians.
func (b *bench) apiFigures(ctx context.Context) error {
	b.rep.group(fmt.Sprintf("engine API (median of %d calls, answer read in full)", b.cfg.calls))
	b.apiMedian = map[string]time.Duration{}
	for _, ep := range endpoints {
		// One untimed call: warms the connection, and counts the items.
		var raw json.RawMessage
		if err := b.e.Do(ctx, http.MethodGet, ep.path, ep.query, nil, &raw); err != nil {
			return err
		}
		items := countItems(ep.path, raw)
		var ds []time.Duration
		for range b.cfg.calls {
			start := time.Now()
			if err := b.e.Do(ctx, http.MethodGet, ep.path, ep.query, nil, nil); err != nil {
				return err
			}
			ds = append(ds, time.Since(start))
		}
		m := median(ds)
		b.apiMedian[ep.name] = m
		b.rep.add("api %s: %s s (%s items, %.2f MB; calls %s)", ep.name, secs(m), items, float64(len(raw))/1e6, secsList(ds))
	}
	name, slow := b.slowestList()
	b.rep.add("api slowest list call: %s s (%s)", secs(slow), name)
	return nil
}

func (b *bench) slowestList() (string, time.Duration) {
	var name string
	var slow time.Duration
	for _, ep := range endpoints {
		if d := b.apiMedian[ep.name]; ep.list && d > slow {
			name, slow = ep.name, d
		}
	}
	return name, slow
}

func countItems(path string, raw json.RawMessage) string {
	switch path {
	case "/volumes":
		var v struct{ Volumes []json.RawMessage }
		if json.Unmarshal(raw, &v) == nil {
			return fmt.Sprint(len(v.Volumes))
		}
	case "/system/df":
		var v struct {
			Images, Containers, Volumes, BuildCache []json.RawMessage
		}
		if json.Unmarshal(raw, &v) == nil {
			return fmt.Sprintf("%d+%d+%d+%d", len(v.Images), len(v.Containers), len(v.Volumes), len(v.BuildCache))
		}
	default:
		var v []json.RawMessage
		if json.Unmarshal(raw, &v) == nil {
			return fmt.Sprint(len(v))
		}
	}
	return "?"
}
