package ui

import (
	"fmt"
	"testing"
	"time"

	"bilge/model"
)

// BenchmarkPolicyRow is the policy row's evaluation (in Update, when the
// menu opens and when its times come in) on large hosts, a policy with a
// rule of every kind and a budget.
func BenchmarkPolicyRow(b *testing.B) {
	p := &model.Policy{MaxSize: 1_000_000_000, Rules: []model.Rule{
		{Kind: model.RuleDangling},
		{Kind: model.RuleContainers, Older: 24 * time.Hour},
		{Kind: model.RuleImages, Older: 30 * 24 * time.Hour},
		{Kind: model.RuleVolumes},
		{Kind: model.RuleNetworks},
		{Kind: model.RuleBuildCache, Older: 7 * 24 * time.Hour},
	}}
	for _, n := range scaleObjects {
		a := loadedScale(n)
		a.opts.Policy, a.opts.PolicyPath = p, "policy.yaml"
		ctrs, imgs := p.NeedsTimes(a.snap, a.now)
		pt := model.PolicyTimes{Containers: map[string]model.ContainerTimes{}, Images: map[string]time.Time{}}
		for _, id := range ctrs {
			pt.Containers[id] = model.ContainerTimes{}
		}
		for _, id := range imgs {
			pt.Images[id] = time.Time{}
		}
		a.policy.times = pt
		if _, why, ok := a.policyPlan(); !ok {
			b.Fatalf("the policy cannot be evaluated: %s", why)
		}
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.policy.plan = nil // evaluate, as on a new state
				a.policyRow()
			}
		})
	}
}
