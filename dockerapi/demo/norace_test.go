//go:build !race

package demo_test

const raceSlowdown = 1
