"""Run one Celery client call and print its outcome as one JSON line.

    python3 client.py send TASK ARGS_JSON KWARGS_JSON [COUNTDOWN]
    python3 client.py chain STEPS_JSON        # [[task, args], ...]; first args full, later partial
    python3 client.py events SECONDS          # prints "listening", then what celeryev carried
    python3 client.py revoke TASK_ID          # app.control.revoke(reply=True): prints the replies

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


def capture_events(seconds):
    """Receive events as `celery events` and Flower do, and what `celery.events.State` made of them."""
    import threading

    from celery.events.state import State

    state = State()
    events = []

    def on_event(event):
        state.event(event)
        events.append(event)

    with app.connection() as connection:
        receiver = app.events.Receiver(connection, handlers={'*': on_event})
        ready = receiver.on_consume_ready

        def on_ready(*args, **kwargs):
            ready(*args, **kwargs)
            print('listening', flush=True)

        receiver.on_consume_ready = on_ready
        timer = threading.Timer(seconds, lambda: setattr(receiver, 'should_stop', True))
        timer.start()
        receiver.capture(limit=None, timeout=None, wakeup=False)
    return {
        'events': events,
        'alive_workers': sorted(worker.hostname for worker in state.alive_workers()),
        'tasks': {uuid: {'state': task.state, 'name': task.name, 'worker': task.worker and task.worker.hostname}
                  for uuid, task in state.tasks.items()},
    }


def main(argv):
    command = argv[1]
    if command == 'events':
        print(json.dumps(capture_events(float(argv[2])), default=str), flush=True)
        return
    if command == 'revoke':
        replies = app.control.revoke(argv[2], reply=True, timeout=1.5)
        print(json.dumps({'id': argv[2], 'result': replies}), flush=True)
        return
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
