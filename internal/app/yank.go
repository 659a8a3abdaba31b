package app

import (
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/report"
)

func prepareYank(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	return prepared{}, inputs.Errorf("mode", "yank is not available yet")
}
