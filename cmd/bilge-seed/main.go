// Command bilge-seed puts the end-to-end tests' labelled state on the local
// daemon (to look at bilge by hand), or removes it again:
//
//	go run ./cmd/bilge-seed            # seed; prints the run ID
//	go run ./cmd/bilge-seed -clean ID  # remove that run's labelled objects (its
//	                                   # build cache stays: docker builder prune)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"bilge/internal/enginetest"
)

func main() {
	clean := flag.String("clean", "", "remove the objects of this run ID instead of seeding")
	flag.Parse()
	e, err := enginetest.Connect()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bilge-seed:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if *clean != "" {
		if err := e.Cleanup(ctx, *clean); err != nil {
			fmt.Fprintln(os.Stderr, "bilge-seed:", err)
			os.Exit(1)
		}
		return
	}
	id := enginetest.NewRunID()
	s, err := e.SeedRun(ctx, id)
	if err != nil {
		e.Cleanup(ctx, id)
		fmt.Fprintln(os.Stderr, "bilge-seed:", err)
		os.Exit(1)
	}
	fmt.Println(s.RunID)
}
