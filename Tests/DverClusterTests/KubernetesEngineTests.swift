@testable import DverCluster
import Testing

/// How KubernetesEngine reads `kubectl get job NAME -o json` for the Indexed Jobs dver
/// applies: which completion indices are not done yet. The samples follow `batch/v1`
/// (`status.completedIndexes`/`failedIndexes` are compressed lists such as "1,3-5,7";
/// `failedIndexes` exists because dver sets `backoffLimitPerIndex`; a finished Job carries a
/// `Complete` or `Failed` condition), trimmed to the metadata and spec fields around them.
@Suite("Kubernetes: Job status")
struct KubernetesEngineTests {
    /// A Job of `completions` indices as kubectl prints it, with `status`.
    static func job(completions: Int, status: String) -> String {
        """
        {"apiVersion": "batch/v1", "kind": "Job",
         "metadata": {"name": "dver-upper-20261130-ab12", "namespace": "data", "uid": "6c0e1f52-8a51-4d0e-9b55-0d6f2b1e7a10",
                      "labels": {"app.kubernetes.io/managed-by": "dver"}},
         "spec": {"completionMode": "Indexed", "completions": \(completions), "parallelism": 2, "backoffLimitPerIndex": 1,
                  "maxFailedIndexes": \(completions), "suspend": false},
         "status": \(status)}
        """
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        let unfinished: Set<Int>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "just applied: no status yet, every index waits",
             json: job(completions: 4, status: "{}"), unfinished: [0, 1, 2, 3]),
        Case(name: "running: completed 0,2 and failed 3 are done; 1, 4, 5 are not",
             json: job(completions: 6, status: """
                 {"active": 2, "ready": 2, "succeeded": 2, "failed": 3, "terminating": 0, "completedIndexes": "0,2", "failedIndexes": "3",
                  "startTime": "2026-11-30T11:02:57Z", "uncountedTerminatedPods": {}}
                 """), unfinished: [1, 4, 5]),
        Case(name: "compressed ranges: 0-2,5-7 completed, 9 failed",
             json: job(completions: 10, status: """
                 {"active": 2, "succeeded": 6, "failed": 2, "completedIndexes": "0-2,5-7", "failedIndexes": "9", "uncountedTerminatedPods": {}}
                 """), unfinished: [3, 4, 8]),
        Case(name: "Complete condition: nothing is left",
             json: job(completions: 6, status: """
                 {"succeeded": 6, "completedIndexes": "0-5", "startTime": "2026-11-30T11:02:57Z", "completionTime": "2026-11-30T11:04:10Z",
                  "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "lastProbeTime": "2026-11-30T11:04:10Z", "lastTransitionTime": "2026-11-30T11:04:10Z"},
                    {"type": "Complete", "status": "True", "reason": "CompletionsReached", "lastProbeTime": "2026-11-30T11:04:10Z", "lastTransitionTime": "2026-11-30T11:04:10Z"}]}
                 """), unfinished: []),
        Case(name: "Failed condition (activeDeadlineSeconds): nothing more will run, even indices never completed",
             json: job(completions: 6, status: """
                 {"succeeded": 2, "failed": 2, "completedIndexes": "0-1",
                  "conditions": [
                    {"type": "FailureTarget", "status": "True", "reason": "DeadlineExceeded", "lastProbeTime": "2026-11-30T12:02:57Z", "lastTransitionTime": "2026-11-30T12:02:57Z"},
                    {"type": "Failed", "status": "True", "reason": "DeadlineExceeded", "message": "Job was active longer than specified deadline", "lastProbeTime": "2026-11-30T12:02:58Z", "lastTransitionTime": "2026-11-30T12:02:58Z"}]}
                 """), unfinished: []),
        Case(name: "FailureTarget only: pods are still terminating, so the unfinished indices are waited for",
             json: job(completions: 4, status: """
                 {"active": 1, "terminating": 1, "succeeded": 1, "failed": 2, "completedIndexes": "0", "failedIndexes": "1-2",
                  "conditions": [
                    {"type": "FailureTarget", "status": "True", "reason": "MaxFailedIndexesExceeded", "lastProbeTime": "2026-11-30T11:03:00Z", "lastTransitionTime": "2026-11-30T11:03:00Z"}]}
                 """), unfinished: [3]),
        Case(name: "a condition whose status is False does not end the Job",
             json: job(completions: 3, status: """
                 {"active": 1, "succeeded": 2, "completedIndexes": "0,2",
                  "conditions": [{"type": "Suspended", "status": "False", "reason": "JobResumed", "lastProbeTime": "2026-11-30T11:03:00Z", "lastTransitionTime": "2026-11-30T11:03:00Z"}]}
                 """), unfinished: [1]),
    ]

    @Test("unfinished indices", arguments: cases)
    func unfinished(_ example: Case) throws {
        #expect(try KubernetesEngine.unfinished(fromJobJSON: Array(example.json.utf8)) == example.unfinished)
    }

    @Test("output that is not a Job with spec.completions is an error",
          arguments: ["", "Error from server (NotFound): jobs.batch \"x\" not found", "{}", #"{"spec": {}}"#,
                      #"{"spec": {"completions": "3"}}"#, "[]"])
    func notAJob(_ text: String) throws {
        let error = #expect(throws: ClusterError.self) {
            try KubernetesEngine.unfinished(fromJobJSON: Array(text.utf8))
        }
        guard case .engineFailed(let command, _, _) = try #require(error) else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(command == "kubectl get job")
    }
}
