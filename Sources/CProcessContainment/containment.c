// The containment helper of dver's local pipeline runtime (see CProcessContainment.h).
//
// Everything after the fork runs in a copy of a multithreaded process, so the helper and the
// command's child calls only async-signal-safe functions: no malloc, no stdio, no locks.

#define _GNU_SOURCE
#include "CProcessContainment.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// The command's pid inside the helper, for the SIGTERM handler; 0 when there is none to stop.
static volatile pid_t contained_command = 0;

/// SIGTERM in the helper (the caller's timeout, or the caller's death): kill the command and
/// its process group; the helper's wait then sees it end and cleans up the rest.
static void stop_command(int signal_number) {
    (void)signal_number;
    pid_t command = contained_command;
    if (command > 0) {
        kill(-command, SIGKILL);
        kill(command, SIGKILL);
    }
}

static pid_t fork_without_handlers(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return _Fork();  // async-signal-safe, and skips pthread_atfork handlers (libdispatch's among them)
#else
    return fork();
#endif
}

static void report(int fd, int32_t kind, int32_t value) {
    dver_contained_record record = {kind, value};
    while (write(fd, &record, sizeof record) < 0 && errno == EINTR) {}
}

/// Puts `fd` at `target` without close-on-exec.
static void move_descriptor(int fd, int target) {
    if (fd == target) {
        fcntl(fd, F_SETFD, 0);
    } else {
        dup2(fd, target);
    }
}

static void close_descriptors_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
    struct rlimit limit;
    rlim_t last = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < last) last = limit.rlim_cur;
    for (rlim_t fd = (rlim_t)first; fd < last; fd++) close((int)fd);
}

/// Writes the decimal digits of `value` at `out`; returns the count.
static int write_decimal(char *out, long value) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    for (int index = 0; index < count; index++) out[index] = digits[count - 1 - index];
    return count;
}

static void append(char *buffer, int *length, const char *text) {
    while (*text) buffer[(*length)++] = *text++;
}

/// SIGKILLs `pid` and counts it: `listed` every child seen, `signalled` those kill accepted
/// (a child that switched to another user cannot be signalled).
static void kill_child(pid_t pid, int *listed, int *signalled) {
    (*listed)++;
    if (kill(pid, SIGKILL) == 0) (*signalled)++;
}

/// Children from /proc/self/task/<tid>/children (the helper has one thread, so tid = pid).
/// Returns 0, or -1 when that file cannot be read.
static int kill_listed_children(pid_t self, int *listed, int *signalled) {
    char path[64];
    int length = 0;
    append(path, &length, "/proc/self/task/");
    length += write_decimal(path + length, self);
    append(path, &length, "/children");
    path[length] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buffer[4096];
    long value = -1;
    for (;;) {
        ssize_t count = read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        for (ssize_t index = 0; index < count; index++) {
            char c = buffer[index];
            if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
            } else if (value >= 0) {
                kill_child((pid_t)value, listed, signalled);
                value = -1;
            }
        }
    }
    if (value >= 0) kill_child((pid_t)value, listed, signalled);
    close(fd);
    return 0;
}

/// The parent pid in /proc/<name>/stat ("pid (comm) state ppid ..."), or -1.
static long parent_in_stat(int proc, const char *name) {
    char path[64];
    int length = 0;
    append(path, &length, name);
    append(path, &length, "/stat");
    path[length] = 0;
    int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buffer[512];
    ssize_t count;
    do { count = read(fd, buffer, sizeof buffer); } while (count < 0 && errno == EINTR);
    close(fd);
    if (count <= 0) return -1;
    // comm may hold spaces and parentheses: the fields after it start after the last ')'.
    ssize_t position = count - 1;
    while (position >= 0 && buffer[position] != ')') position--;
    position += 4;  // ") S "
    if (position < 4 || position >= count) return -1;
    long parent = 0;
    while (position < count && buffer[position] >= '0' && buffer[position] <= '9') {
        parent = parent * 10 + (buffer[position++] - '0');
    }
    return parent;
}

struct proc_entry {
    uint64_t inode;
    int64_t offset;
    unsigned short length;
    unsigned char type;
    char name[];
};

/// Children found by reading the parent pid of every process in /proc.
static void kill_scanned_children(pid_t self, int *listed, int *signalled) {
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0) return;
    char buffer[8192] __attribute__((aligned(8)));
    for (;;) {
        long count = syscall(SYS_getdents64, proc, buffer, sizeof buffer);
        if (count <= 0) break;
        for (long offset = 0; offset < count;) {
            struct proc_entry *entry = (struct proc_entry *)(buffer + offset);
            offset += entry->length;
            long pid = 0;
            const char *c = entry->name;
            for (; *c >= '0' && *c <= '9'; c++) pid = pid * 10 + (*c - '0');
            if (*c != 0 || pid <= 0) continue;
            if (parent_in_stat(proc, entry->name) == self) kill_child((pid_t)pid, listed, signalled);
        }
    }
    close(proc);
}

/// SIGKILLs and reaps every child until none is left. Killing a child re-parents its own
/// children to the helper (a subreaper), so each round reaches one level deeper.
static void kill_every_descendant(int flags) {
    pid_t self = getpid();
    for (;;) {
        int listed = 0, signalled = 0;
        if ((flags & DVER_CONTAINED_SCAN_PROC) || kill_listed_children(self, &listed, &signalled) != 0) {
            listed = signalled = 0;
            kill_scanned_children(self, &listed, &signalled);
        }
        if (signalled == 0) {
            // No child, or only children of another user: reap what has ended and give up.
            while (waitpid(-1, NULL, WNOHANG) > 0) {}
            return;
        }
        if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD) return;
    }
}

static void reset_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    for (int number = 1; number < NSIG; number++) sigaction(number, &action, NULL);
}

/// The helper: never returns.
static void run_helper(pid_t caller, const char *path, char *const argv[], char *const envp[],
                       const char *stdin_path, const char *log_path, int flags, int status_write) {
    int status_fd = fcntl(status_write, F_DUPFD_CLOEXEC, 3);
    if (status_fd < 0) _exit(0);
    reset_signals();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &action, NULL);
    action.sa_handler = stop_command;
    sigfillset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);

    setsid();
    prctl(PR_SET_NAME, "dver-datum", 0, 0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    if (getppid() != caller) _exit(0);  // the caller died before PDEATHSIG was armed

    int input = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
    int log = input < 0 ? -1 : open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (input < 0 || log < 0) {
        report(status_fd, DVER_CONTAINED_SETUP_FAILED, errno);
        _exit(0);
    }
    move_descriptor(input, 0);
    move_descriptor(log, 1);
    move_descriptor(log, 2);
    if (status_fd != 3) {
        dup2(status_fd, 3);
        fcntl(3, F_SETFD, FD_CLOEXEC);
        status_fd = 3;
    }
    close_descriptors_from(4);

    pid_t command = fork_without_handlers();
    if (command < 0) {
        report(status_fd, DVER_CONTAINED_SETUP_FAILED, errno);
        _exit(0);
    }
    sigset_t none;
    sigemptyset(&none);
    if (command == 0) {
        setpgid(0, 0);
        reset_signals();
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        report(status_fd, DVER_CONTAINED_EXEC_FAILED, errno);
        _exit(127);
    }
    setpgid(command, command);
    contained_command = command;
    sigprocmask(SIG_SETMASK, &none, NULL);

    // Reap orphans that end while the command runs; stop when the command has ended, leaving it
    // a zombie so its pid (and process group id) cannot be reused before the group is killed.
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (info.si_pid == command) break;
        waitpid(info.si_pid, NULL, 0);
    }
    sigset_t terminate;
    sigemptyset(&terminate);
    sigaddset(&terminate, SIGTERM);
    sigprocmask(SIG_BLOCK, &terminate, NULL);
    contained_command = 0;
    kill(-command, SIGKILL);
    int status = 0;
    while (waitpid(command, &status, 0) < 0 && errno == EINTR) {}
    kill_every_descendant(flags);
    report(status_fd, DVER_CONTAINED_EXITED, status);
    _exit(0);
}

pid_t dver_contained_spawn(const char *path, char *const argv[], char *const envp[],
                           const char *stdin_path, const char *log_path, int flags, int *status_fd) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -errno;
    pid_t caller = getpid();
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t helper = fork_without_handlers();
    if (helper == 0) {
        close(pipe_fds[0]);
        run_helper(caller, path, argv, envp, stdin_path, log_path, flags, pipe_fds[1]);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(pipe_fds[1]);
    if (helper < 0) {
        close(pipe_fds[0]);
        return -saved;
    }
    *status_fd = pipe_fds[0];
    return helper;
}
