"""Run one Celery client call and print its outcome as one JSON line.

    python3 client.py send TASK ARGS_JSON KWARGS_JSON [COUNTDOWN]
    python3 client.py chain STEPS_JSON        # [[task, args], ...]; first args full, later partial

Prints {"id": ..., "result": ...} or {"id": ..., "error_type": ..., "error_message": ...}.
"""
import json
import sys

from celery import chain

from tasks import app

TIMEOUT = 30


def outcome(result):
    try:
        value = result.get(timeout=TIMEOUT, propagate=True)
        return {'id': result.id, 'result': value}
    except Exception as error:  # the point: report what Celery raised, whatever it is
        return {
            'id': result.id,
            'error_type': type(error).__name__,
            'error_message': str(error),
        }


def main(argv):
    command = argv[1]
    if command == 'send':
        task, args, kwargs = argv[2], json.loads(argv[3]), json.loads(argv[4])
        countdown = float(argv[5]) if len(argv) > 5 else None
        result = app.send_task(task, args=args, kwargs=kwargs, countdown=countdown)
    elif command == 'chain':
        steps = json.loads(argv[2])
        result = chain(*(app.signature(name, args=args) for name, args in steps)).apply_async()
    else:
        raise SystemExit(f'unknown command {command}')
    print(json.dumps(outcome(result)), flush=True)


if __name__ == '__main__':
    main(sys.argv)
