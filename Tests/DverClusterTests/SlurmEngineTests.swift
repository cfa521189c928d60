@testable import DverCluster
import Testing

/// How SlurmEngine reads `squeue --json`: which tasks of an array job are not done yet (the
/// coordinator waits until none is left, then dispatches the datums without a result again).
@Suite("Slurm: squeue --json")
struct SlurmEngineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let sample: String
        let job: String
        let unfinished: Set<Int>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Slurm 22, running: done tasks 0-1 out, running 2-3 and pending range 4-5%2 in",
             sample: SqueueSamples.slurm22Running, job: "1", unfinished: [2, 3, 4, 5]),
        Case(name: "Slurm 22, running: another array's pending range 0-9%3, not job 1's tasks",
             sample: SqueueSamples.slurm22Running, job: "6", unfinished: Set(0...9)),
        Case(name: "Slurm 22, last tasks: task 5 runs under the array's own job id",
             sample: SqueueSamples.slurm22LastTasks, job: "1", unfinished: [4, 5]),
        Case(name: "Slurm 22: a pending range cancelled as a whole is final",
             sample: SqueueSamples.slurm22LastTasks, job: "6", unfinished: []),
        Case(name: "Slurm 22, done: COMPLETED and FAILED are final",
             sample: SqueueSamples.slurm22Done, job: "1", unfinished: []),
        Case(name: "Slurm 22: a job the queue does not list has nothing left",
             sample: SqueueSamples.slurm22Done, job: "77", unfinished: []),
        Case(name: "Slurm 23: the same queue in the {set, number} and state-list shape gives the same answer",
             sample: SqueueSamples.slurm23Running, job: "1", unfinished: [2, 3, 4, 5]),
        Case(name: "Slurm 23: a pending range with set=false task id",
             sample: SqueueSamples.slurm23Running, job: "6", unfinished: Set(0...9)),
        Case(name: "Slurm 23: requeued (PENDING + REQUEUED flag) waits, OUT_OF_MEMORY is final, range 4-299%24 waits",
             sample: SqueueSamples.slurm23Running, job: "50", unfinished: Set([1, 3]).union(4...299)),
    ]

    @Test("unfinished tasks", arguments: cases)
    func unfinished(_ example: Case) throws {
        let result = try SlurmEngine.unfinished(fromSqueueJSON: Array(example.sample.utf8), job: example.job)
        #expect(result == example.unfinished)
    }

    static let stateCases: [(String, Bool)] = [
        ("COMPLETED", true), ("FAILED", true), ("CANCELLED", true), ("TIMEOUT", true), ("NODE_FAIL", true),
        ("PREEMPTED", true), ("OUT_OF_MEMORY", true), ("BOOT_FAIL", true), ("DEADLINE", true),
        ("PENDING", false), ("RUNNING", false), ("REQUEUED", false), ("SUSPENDED", false), ("CONFIGURING", false),
        ("COMPLETING", false), ("RESIZING", false),
    ]

    @Test("every final state ends a task; any other state keeps it", arguments: stateCases)
    func states(_ state: String, final: Bool) throws {
        for (shape, text) in [("22", "\"\(state)\""), ("23", "[\"\(state)\"]")] {
            let json = """
                {"jobs": [{"job_id": 12, "array_job_id": 10, "array_task_id": 2, "array_task_string": "", "job_state": \(text)}]}
                """
            let result = try SlurmEngine.unfinished(fromSqueueJSON: Array(json.utf8), job: "10")
            #expect(result == (final ? [] : [2]), "Slurm \(shape) shape: \(text)")
        }
    }

    @Test("squeue output that is not the JSON document dver reads is an error naming the Slurm version it needs",
          arguments: ["", "squeue: unrecognized option '--json'", "{}", #"{"jobs": {}}"#, "[]"])
    func notJSON(_ text: String) throws {
        let error = #expect(throws: ClusterError.self) {
            try SlurmEngine.unfinished(fromSqueueJSON: Array(text.utf8), job: "1")
        }
        guard case .engineFailed(let command, _, let hint) = try #require(error) else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(command == "squeue --json")
        #expect(hint?.contains("21.08") == true)
    }

    @Test("an empty queue has nothing left")
    func emptyQueue() throws {
        #expect(try SlurmEngine.unfinished(fromSqueueJSON: Array(#"{"jobs": []}"#.utf8), job: "1") == [])
    }

    static let indexLists: [(String, Set<Int>)] = [
        ("", []),
        ("7", [7]),
        ("0-3", [0, 1, 2, 3]),
        ("0-3,7,9-10%4", [0, 1, 2, 3, 7, 9, 10]),
        ("1,3-5,7", [1, 3, 4, 5, 7]),
        ("0-0", [0]),
        ("3-1", []),
        ("x-y,4", [4]),
    ]

    @Test("compressed index lists", arguments: indexLists)
    func indices(_ text: String, expected: Set<Int>) {
        #expect(SlurmEngine.indices(text) == expected)
    }

    @Test("a pending range with a task limit: 5-299%24 is tasks 5 through 299")
    func pendingRange() {
        let result = SlurmEngine.indices("5-299%24")
        #expect(result.count == 295)
        #expect(result.min() == 5 && result.max() == 299)
    }

    @Test("a range of a million or more indices is refused (no set of that size is built)")
    func hugeRange() {
        #expect(SlurmEngine.indices("0-2000000").isEmpty)
        #expect(SlurmEngine.indices("0-999999").count == 1_000_000)
    }
}
