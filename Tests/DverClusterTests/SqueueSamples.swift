/// `squeue --json -t all -j 1` output in the two shapes SlurmEngine reads.
///
/// The Slurm 22 samples are real: captured from Debian 12's Slurm 22.05.8 (one node from
/// scripts/slurm-cluster.sh) while array job 1 (`--array=0-5%2`: task 0 exits 0, task 1 exits 3,
/// the others sleep 30 s) ran beside array job 6 (`--array=0-9%3`, later cancelled while
/// pending), then trimmed to the fields dver reads plus `state_reason` and `exit_code`. This
/// squeue prints every job even with `-j 1`, so the parser must filter by `array_job_id`.
///
/// The Slurm 23 sample is the first moment in the shape of Slurm 23.02 and later (data_parser
/// v0.0.39+): numbers as `{"set": …, "infinite": …, "number": N}` (`"set": false` for an unset
/// value such as a pending range's task id), `job_state` as a list (base state, then flags),
/// plus someone else's non-array job (`array_job_id` 0) and a requeued task.
enum SqueueSamples {
    /// Tasks 0 (COMPLETED) and 1 (FAILED) are done, 2 and 3 run, 4-5 wait behind the %2 limit;
    /// job 6's ten tasks are pending as one record "0-9%3".
    static let slurm22Running = """
        {"meta": {"Slurm": {"release": "22.05.8"}}, "errors": [], "jobs": [
          {"job_id": 2, "array_job_id": 1, "array_task_id": 0, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 3, "array_job_id": 1, "array_task_id": 1, "array_task_string": "", "job_state": "FAILED", "state_reason": "NonZeroExitCode", "exit_code": 768},
          {"job_id": 4, "array_job_id": 1, "array_task_id": 2, "array_task_string": "", "job_state": "RUNNING", "state_reason": "None", "exit_code": 0},
          {"job_id": 5, "array_job_id": 1, "array_task_id": 3, "array_task_string": "", "job_state": "RUNNING", "state_reason": "None", "exit_code": 0},
          {"job_id": 1, "array_job_id": 1, "array_task_id": null, "array_task_string": "4-5%2", "job_state": "PENDING", "state_reason": "JobArrayTaskLimit", "exit_code": 0},
          {"job_id": 6, "array_job_id": 6, "array_task_id": null, "array_task_string": "0-9%3", "job_state": "PENDING", "state_reason": "Resources", "exit_code": 0}
        ]}
        """

    /// Tasks 4 and 5 run (task 5 took over the array's own job id 1); job 6 was cancelled
    /// while pending: its range record is CANCELLED, a final state.
    static let slurm22LastTasks = """
        {"meta": {"Slurm": {"release": "22.05.8"}}, "errors": [], "jobs": [
          {"job_id": 2, "array_job_id": 1, "array_task_id": 0, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 3, "array_job_id": 1, "array_task_id": 1, "array_task_string": "", "job_state": "FAILED", "state_reason": "NonZeroExitCode", "exit_code": 768},
          {"job_id": 4, "array_job_id": 1, "array_task_id": 2, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 5, "array_job_id": 1, "array_task_id": 3, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 7, "array_job_id": 1, "array_task_id": 4, "array_task_string": "", "job_state": "RUNNING", "state_reason": "None", "exit_code": 0},
          {"job_id": 6, "array_job_id": 6, "array_task_id": null, "array_task_string": "0-9%3", "job_state": "CANCELLED", "state_reason": "Resources", "exit_code": 0},
          {"job_id": 1, "array_job_id": 1, "array_task_id": 5, "array_task_string": "", "job_state": "RUNNING", "state_reason": "None", "exit_code": 0}
        ]}
        """

    /// Every task of job 1 is in a final state.
    static let slurm22Done = """
        {"meta": {"Slurm": {"release": "22.05.8"}}, "errors": [], "jobs": [
          {"job_id": 2, "array_job_id": 1, "array_task_id": 0, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 3, "array_job_id": 1, "array_task_id": 1, "array_task_string": "", "job_state": "FAILED", "state_reason": "NonZeroExitCode", "exit_code": 768},
          {"job_id": 4, "array_job_id": 1, "array_task_id": 2, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 5, "array_job_id": 1, "array_task_id": 3, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 7, "array_job_id": 1, "array_task_id": 4, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0},
          {"job_id": 6, "array_job_id": 6, "array_task_id": null, "array_task_string": "0-9%3", "job_state": "CANCELLED", "state_reason": "Resources", "exit_code": 0},
          {"job_id": 1, "array_job_id": 1, "array_task_id": 5, "array_task_string": "", "job_state": "COMPLETED", "state_reason": "None", "exit_code": 0}
        ]}
        """

    /// `slurm22Running` in the Slurm 23+ shape, plus job 42 (not an array) and array job 50
    /// whose task 3 was requeued after its node died (`["PENDING", "REQUEUED"]`), while task 2
    /// ran out of memory and the range "4-299%24" waits.
    static let slurm23Running = """
        {"meta": {"slurm": {"release": "23.02.6"}}, "errors": [], "warnings": [], "jobs": [
          {"job_id": 2, "array_job_id": {"set": true, "infinite": false, "number": 1}, "array_task_id": {"set": true, "infinite": false, "number": 0}, "array_task_string": "", "job_state": ["COMPLETED"], "state_reason": "None", "exit_code": {"status": ["SUCCESS"], "return_code": {"set": true, "infinite": false, "number": 0}}},
          {"job_id": 3, "array_job_id": {"set": true, "infinite": false, "number": 1}, "array_task_id": {"set": true, "infinite": false, "number": 1}, "array_task_string": "", "job_state": ["FAILED"], "state_reason": "NonZeroExitCode", "exit_code": {"status": ["EXIT_CODE"], "return_code": {"set": true, "infinite": false, "number": 3}}},
          {"job_id": 4, "array_job_id": {"set": true, "infinite": false, "number": 1}, "array_task_id": {"set": true, "infinite": false, "number": 2}, "array_task_string": "", "job_state": ["RUNNING"], "state_reason": "None", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}},
          {"job_id": 5, "array_job_id": {"set": true, "infinite": false, "number": 1}, "array_task_id": {"set": true, "infinite": false, "number": 3}, "array_task_string": "", "job_state": ["RUNNING"], "state_reason": "None", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}},
          {"job_id": 1, "array_job_id": {"set": true, "infinite": false, "number": 1}, "array_task_id": {"set": false, "infinite": false, "number": 0}, "array_task_string": "4-5%2", "job_state": ["PENDING"], "state_reason": "JobArrayTaskLimit", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}},
          {"job_id": 6, "array_job_id": {"set": true, "infinite": false, "number": 6}, "array_task_id": {"set": false, "infinite": false, "number": 0}, "array_task_string": "0-9%3", "job_state": ["PENDING"], "state_reason": "Resources", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}},
          {"job_id": 42, "array_job_id": {"set": true, "infinite": false, "number": 0}, "array_task_id": {"set": false, "infinite": false, "number": 0}, "array_task_string": "", "job_state": ["RUNNING"], "state_reason": "None", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}},
          {"job_id": 51, "array_job_id": {"set": true, "infinite": false, "number": 50}, "array_task_id": {"set": true, "infinite": false, "number": 0}, "array_task_string": "", "job_state": ["COMPLETED"], "state_reason": "None", "exit_code": {"status": ["SUCCESS"], "return_code": {"set": true, "infinite": false, "number": 0}}},
          {"job_id": 52, "array_job_id": {"set": true, "infinite": false, "number": 50}, "array_task_id": {"set": true, "infinite": false, "number": 1}, "array_task_string": "", "job_state": ["RUNNING"], "state_reason": "None", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}},
          {"job_id": 53, "array_job_id": {"set": true, "infinite": false, "number": 50}, "array_task_id": {"set": true, "infinite": false, "number": 2}, "array_task_string": "", "job_state": ["OUT_OF_MEMORY"], "state_reason": "OutOfMemory", "exit_code": {"status": ["SIGNALED"], "return_code": {"set": true, "infinite": false, "number": 0}}},
          {"job_id": 54, "array_job_id": {"set": true, "infinite": false, "number": 50}, "array_task_id": {"set": true, "infinite": false, "number": 3}, "array_task_string": "", "job_state": ["PENDING", "REQUEUED"], "state_reason": "BeginTime", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}},
          {"job_id": 50, "array_job_id": {"set": true, "infinite": false, "number": 50}, "array_task_id": {"set": false, "infinite": false, "number": 0}, "array_task_string": "4-299%24", "job_state": ["PENDING"], "state_reason": "JobArrayTaskLimit", "exit_code": {"status": ["PENDING"], "return_code": {"set": false, "infinite": false, "number": 0}}}
        ]}
        """
}
