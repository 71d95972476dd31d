package queue

import (
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
)

func isSkipRetry(err error) bool { return errors.Is(err, asynq.SkipRetry) }

func asPermanent(err error, p **plaudit.PermanentError) bool { return errors.As(err, p) }

func sprint(args []any) string { return fmt.Sprint(args...) }
