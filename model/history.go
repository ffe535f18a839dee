package model

import "time"

// History types (issue 14): what bilge records of an engine's disk use
// over time, and the clean-ups between. The store (internal/history)
// keeps them; the UI and `bilge history` read them. Pure data here.

// EngineRef names an engine across addresses and contexts: the engine's
// own /info ID and Name (several contexts may reach one engine; each
// engine keeps its own history).
type EngineRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// KindSample is one kind's row of a sample, as the Overview and `bilge
// df` show it: docker's TOTAL, ACTIVE, SIZE and RECLAIMABLE, and bilge's
// exact reclaimable (Unknown when it was not known).
type KindSample struct {
	Total       int   `json:"total"`
	Active      int   `json:"active"`
	Size        int64 `json:"size"`
	Reclaimable int64 `json:"reclaimable"`
	Exact       int64 `json:"exact"`
}

// RepoSample is one image repository in a sample: how many tags it has
// and the size of its images (each image counted once).
type RepoSample struct {
	Repo string `json:"repo"`
	Tags int    `json:"tags"`
	Size int64  `json:"size"`
}

// Sample is one full measurement of an engine at a time.
type Sample struct {
	Time   time.Time           `json:"time"`
	Engine EngineRef           `json:"engine"`
	Kinds  map[Kind]KindSample `json:"-"`
	Repos  []RepoSample        `json:"repos"`
}

// Cleanup is one clean-up between samples: when, on which engine, by whom
// (Interactive, or the policy rule(s) that chose what went), how many
// objects went and what they freed on disk (measured before → after where
// it was, else predicted).
type Cleanup struct {
	Time    time.Time      `json:"time"`
	Engine  EngineRef      `json:"engine"`
	By      string         `json:"by"`
	Objects int            `json:"objects"`
	Freed   int64          `json:"freed"`
	PerKind map[Kind]int64 `json:"-"`
}
