#ifndef DVER_CPROCESSCONTAINMENT_H
#define DVER_CPROCESSCONTAINMENT_H

#include <stdint.h>
#include <sys/types.h>

// What the containment helper reports on its status pipe: one or two records.
/// `value` is the command's wait status (as waitpid(2) returns it); always the last record.
#define DVER_CONTAINED_EXITED 0
/// `value` is the errno of opening the stdin file or the log file, or of forking the command;
/// the command did not run.
#define DVER_CONTAINED_SETUP_FAILED 1
/// `value` is the errno of execve(2); the command's wait status then says exit 127.
#define DVER_CONTAINED_EXEC_FAILED 2

/// One record on the status pipe.
typedef struct {
    int32_t kind;
    int32_t value;
} dver_contained_record;

/// Find the helper's children by reading /proc/<pid>/stat of every process instead of
/// /proc/self/task/<tid>/children (which needs CONFIG_PROC_CHILDREN). Chosen automatically
/// when that file is missing; tests force it to cover the fallback.
#define DVER_CONTAINED_SCAN_PROC 1

/// Starts `path` (with `argv`, `envp`, stdin from `stdin_path`, stdout and stderr appended to
/// `log_path`) under a helper process that contains its whole process tree.
///
/// The helper is forked from the caller (no exec), starts a new session, marks itself a child
/// subreaper (PR_SET_CHILD_SUBREAPER), so every orphaned descendant of the command is
/// re-parented to it however it left its process group or session, and asks for SIGTERM when
/// the calling thread dies (PR_SET_PDEATHSIG). It forks the command into a process group of
/// its own and reaps orphans while the command runs. When the command exits, or when the
/// helper gets SIGTERM (the caller's timeout, or the caller's death), it SIGKILLs the
/// command's process group and then, until it has no child left, SIGKILLs and reaps every
/// child it has — each killed process's children become its children in turn. Then it writes
/// the command's wait status to the status pipe and exits 0.
///
/// Returns the helper's pid, or -errno when the pipe or the fork failed. `*status_fd` receives
/// the read end of the status pipe (close-on-exec), to be read after the helper was reaped.
/// `flags`: 0 or DVER_CONTAINED_SCAN_PROC.
pid_t dver_contained_spawn(const char *path, char *const argv[], char *const envp[],
                           const char *stdin_path, const char *log_path, int flags, int *status_fd);

#endif
