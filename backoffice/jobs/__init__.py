"""Background jobs with per-row results: the generic part (it knows no app).

An app registers a job kind (`registry.register`): how a job of that kind finds its rows
(chunks, resolved in the task from the job's params), the key of a row (unique per job: a
re-run never does a row twice), what one row does (an `ItemResult` of `backoffice.batch`:
done / failed / skipped with the reason) and, for export and print jobs, the file built from
the rows done. `services.job_start` writes the `Job` and enqueues its task in the same
transaction (`backoffice.tasks.enqueue_with_transaction`); `runner.job_run` runs it, resumably:
rows already recorded as `JobItem`s are skipped. The progress page is `/jobs/<id>/`.
"""
