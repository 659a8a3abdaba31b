package inputs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestYank(t *testing.T) {
	tests := []struct {
		name      string
		values    map[string]string
		want      Yank
		wantInput string // the input an error names; "" for none
		wantRule  string
	}{
		{name: "yank", values: map[string]string{"tag": "nightly-20251118-b11b11b", "reason": "miscompiles script checks"}, want: Yank{Tag: "nightly-20251118-b11b11b", Reason: "miscompiles script checks"}},
		{name: "a reason of 200 characters", values: map[string]string{"tag": "v1", "reason": strings.Repeat("é", 200)}, want: Yank{Tag: "v1", Reason: strings.Repeat("é", 200)}},
		{name: "undo needs no reason", values: map[string]string{"tag": "v1", "undo": "true"}, want: Yank{Tag: "v1", Undo: true}},
		{name: "undo reads no reason", values: map[string]string{"tag": "v1", "undo": "true", "reason": "a\nb"}, want: Yank{Tag: "v1", Undo: true}},
		{name: "no tag", values: map[string]string{"reason": "broken"}, wantInput: "tag", wantRule: "is empty"},
		{name: "a tag no ref can have", values: map[string]string{"tag": "v1..2", "reason": "broken"}, wantInput: "tag", wantRule: "valid tag name"},
		{name: "no reason", values: map[string]string{"tag": "v1"}, wantInput: "reason", wantRule: "is empty"},
		{name: "two lines", values: map[string]string{"tag": "v1", "reason": "broken\n::error::x"}, wantInput: "reason", wantRule: "one line"},
		{name: "a carriage return", values: map[string]string{"tag": "v1", "reason": "broken\rx"}, wantInput: "reason", wantRule: "one line"},
		{name: "201 characters", values: map[string]string{"tag": "v1", "reason": strings.Repeat("é", 201)}, wantInput: "reason", wantRule: "is 201 characters"},
		{name: "a control character", values: map[string]string{"tag": "v1", "reason": "broken\x1b[31m"}, wantInput: "reason", wantRule: "control character"},
		{name: "a tab", values: map[string]string{"tag": "v1", "reason": "broken\tbuild"}, wantInput: "reason", wantRule: "control character"},
		{name: "undo not a boolean", values: map[string]string{"tag": "v1", "undo": "maybe"}, wantInput: "undo", wantRule: "true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := Values{values: map[string]string{}}
			for k, v := range tt.values {
				values.values[k] = v
			}
			got, err := values.Yank()
			if tt.wantInput == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "input "+tt.wantInput+": ")
			assert.Contains(t, err.Error(), tt.wantRule)
		})
	}
}
