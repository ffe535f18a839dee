package enginetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DiskUsage is the answer of GET /system/df (API 1.41 shape).
type DiskUsage struct {
	LayersSize int64
	Images     []ImageUsage
	Containers []ContainerUsage
	Volumes    []VolumeUsage
	BuildCache []BuildCacheRecord
}

// ImageUsage is one image of /system/df.
type ImageUsage struct {
	ID          string `json:"Id"`
	ParentID    string `json:"ParentId"`
	RepoTags    []string
	RepoDigests []string
	Created     int64
	Size        int64
	SharedSize  int64
	VirtualSize int64
	Labels      map[string]string
	Containers  int64
}

// ContainerUsage is one container of /system/df.
type ContainerUsage struct {
	ID         string `json:"Id"`
	Names      []string
	Image      string
	ImageID    string
	Command    string
	Created    int64
	State      string
	Status     string
	SizeRw     int64
	SizeRootFs int64
	Labels     map[string]string
	Mounts     []struct {
		Type        string
		Name        string
		Source      string
		Destination string
	}
}

// VolumeUsage is one volume of /system/df; UsageData.Size is -1 when the
// daemon could not compute it.
type VolumeUsage struct {
	Name       string
	Driver     string
	Mountpoint string
	Scope      string
	Labels     map[string]string
	UsageData  *struct{ Size, RefCount int64 }
}

// BuildCacheRecord is one build-cache record of /system/df. API 1.41 sends a
// single Parent; newer versions send Parents.
type BuildCacheRecord struct {
	ID          string
	Parent      string
	Parents     []string
	Type        string
	Description string
	InUse       bool
	Shared      bool
	Size        int64
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	UsageCount  int
}

// SystemDF calls GET /system/df. Engine 20.10 refuses a second disk-usage
// computation while one runs (500 "a disk usage operation is already
// running"); SystemDF retries that until ctx ends.
func (e *Engine) SystemDF(ctx context.Context) (*DiskUsage, error) {
	delay := 200 * time.Millisecond
	for {
		var du DiskUsage
		err := e.Do(ctx, http.MethodGet, "/system/df", nil, nil, &du)
		var ae *APIError
		if err == nil || !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError ||
			!strings.Contains(ae.Message, "already running") {
			if err != nil {
				return nil, err
			}
			return &du, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
		if delay < 2*time.Second {
			delay *= 2
		}
	}
}

// ReportedDF is the docker system df table an engine of API 1.52 or later
// computes itself (the ImageUsage, ContainerUsage, VolumeUsage and
// BuildCacheUsage of /system/df), which docker CLI 29 prints as it is.
type ReportedDF struct {
	ImageUsage, ContainerUsage, VolumeUsage, BuildCacheUsage ReportedRow
}

// ReportedRow is one kind of ReportedDF.
type ReportedRow struct {
	TotalCount, ActiveCount, TotalSize, Reclaimable int64
}

// SystemDFReported calls GET /v1.52/system/df for the engine's own table;
// it returns nil for a daemon older than API 1.52, which has none.
func (e *Engine) SystemDFReported(ctx context.Context) (*ReportedDF, error) {
	if e.maxVersion == "" || versionLess(e.maxVersion, "1.52") {
		return nil, nil
	}
	resp, err := e.raw(ctx, http.MethodGet, "/v1.52/system/df", url.Values{"verbose": {"1"}}, nil, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r ReportedDF
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("GET /system/df: decoding answer: %v", err)
	}
	return &r, nil
}
