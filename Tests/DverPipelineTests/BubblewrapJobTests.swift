@testable import DverPipeline
import DverCore
import Foundation
import Testing

@Suite("Jobs in bubblewrap", .enabled(if: Tools.bwrap, "needs bwrap and busybox-static (scripts/test.sh installs them)"), .serialized)
struct BubblewrapJobTests {
    static func spec(_ name: String, cmd: String, glob: String = "/*", extra: String = "") throws -> String {
        """
        pipeline: {name: \(name)}
        input:
          pfs: {repo: raw, glob: "\(glob)"}
        transform:
          image: \(try Busybox.sharedRootfs.get())
          cmd: ["sh", "-c", \(PipelineProject.jsonString(cmd))]
        runtime: bwrap
        \(extra)
        """
    }

    @Test("1,000 input files: every datum runs once, then changing one re-runs exactly one; output bytes match")
    func thousandFiles() throws {
        var files = [String: String]()
        for index in 0..<1000 { files["data/raw/f\(index).txt"] = "value \(index)\n" }
        let project = try PipelineProject.make(files)
        try project.commit()
        try project.create(try Self.spec("upper", cmd: "for f in /pfs/raw/*; do tr a-z A-Z < $f > /pfs/out/$(basename $f); done",
                                         extra: "parallelism: 2"))
        let first = try project.run("upper")
        #expect(first.state == .succeeded, "\(first.error ?? "")")
        #expect(first.count(.succeeded) == 1000)
        let outputs = try project.files("upper")
        #expect(outputs.count == 1000)
        #expect(outputs["f7.txt"] == "VALUE 7\n" && outputs["f999.txt"] == "VALUE 999\n")

        try project.write("data/raw/f500.txt", "changed\n")
        let second = try #require(try project.commitAndTrigger().first)
        #expect(second.count(.succeeded) == 1 && second.count(.skipped) == 999)
        #expect(second.planSeconds < 1, "planning 1,000 datums took \(second.planSeconds) s")
        let after = try project.files("upper")
        #expect(after["f500.txt"] == "CHANGED\n" && after["f7.txt"] == "VALUE 7\n" && after.count == 1000)

        try project.remove("data/raw/f1.txt")
        let third = try #require(try project.commitAndTrigger().first)
        #expect(third.datums.count == 999 && third.count(.succeeded) == 0)
        #expect(try project.files("upper")["f1.txt"] == nil)
    }

    @Test("the sandbox: only the datum's files, read-only inputs, writable /pfs/out, no network, DVER_* env")
    func sandbox() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/raw/b.txt": "b\n"])
        try project.commit()
        let cmd = """
        ls /pfs/raw > /pfs/out/$(ls /pfs/raw).list
        if touch /pfs/raw/new 2>/dev/null; then echo writable > /pfs/out/bad; fi
        if touch /etc-new 2>/dev/null; then echo rootwritable > /pfs/out/bad2; fi
        cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' > /pfs/out/$(ls /pfs/raw).net
        echo $DVER_INPUT_RAW $DVER_PFS $DVER_OUTPUT > /pfs/out/$(ls /pfs/raw).env
        """
        try project.create(try Self.spec("probe", cmd: cmd))
        let job = try project.run("probe")
        #expect(job.state == .succeeded, "\(job.error ?? "")")
        let files = try project.files("probe")
        #expect(files["a.txt.list"] == "a.txt\n" && files["b.txt.list"] == "b.txt\n")
        #expect(files["bad"] == nil && files["bad2"] == nil)
        #expect(files["a.txt.net"] == "lo\n")
        #expect(files["a.txt.env"] == "/pfs/raw/a.txt /pfs /pfs/out\n")
    }

    @Test("resources.memory limits the sandbox's address space")
    func memoryLimit() throws {
        let project = try PipelineProject.make(["data/raw/small": "1000", "data/raw/large": "60000000"])
        try project.commit()
        try project.create(try Self.spec("mem", cmd: "n=$(cat /pfs/raw/*); x=$(head -c $n /dev/zero | tr '\\0' a); echo ${#x} > /pfs/out/$(ls /pfs/raw)",
                                         extra: "resources: {memory: 16M}"))
        let job = try project.run("mem")
        #expect(job.notes.contains { $0.contains("RLIMIT_AS") })
        #expect(job.datums.first { $0.inputs == ["raw:/small"] }?.state == .succeeded)
        let large = try #require(job.datums.first { $0.inputs == ["raw:/large"] })
        #expect(large.state == .failed, "\(job.datums)")
        let log = try String(contentsOfFile: project.runner.jobs.logPath(job: job.id, datum: large.id), encoding: .utf8)
        #expect(log.contains("out of memory"), "\(log)")
    }

    @Test("a directory glob gives the whole subtree; a timeout kills the sandbox; a failure is retried")
    func directoriesTimeoutsRetries() throws {
        let project = try PipelineProject.make(["data/raw/x/1": "1", "data/raw/x/2": "2", "data/raw/y/3": "3"])
        try project.commit()
        try project.create(try Self.spec("sum", cmd: "d=$(ls /pfs/raw); cat /pfs/raw/$d/* > /pfs/out/$d"), file: "sum.yaml")
        #expect(try project.run("sum").datums.count == 2)
        #expect(try project.files("sum") == ["x": "12", "y": "3"])

        try project.create(try Self.spec("slow", cmd: "sleep 20", extra: "datum_timeout: 1s"), file: "slow.yaml")
        let start = Date()
        let slow = try project.run("slow")
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(slow.state == .failed && slow.datums.allSatisfy(\.timedOut))

        let marker = project.path("marker-dir")
        try FileManager.default.createDirectory(atPath: marker, withIntermediateDirectories: true)
        // The host marker directory is invisible in the sandbox: the first attempt of each datum
        // fails because /pfs/out is empty at start, and every attempt starts with an empty /pfs/out.
        try project.create(try Self.spec("strict", cmd: "test -z \"$(ls /pfs/out)\" || exit 9; echo ok > /pfs/out/$(ls /pfs/raw); exit 1",
                                         extra: "datum_tries: 3"), file: "strict.yaml")
        let strict = try project.run("strict")
        #expect(strict.state == .failed)
        #expect(strict.datums.allSatisfy { $0.attempts == 3 && $0.exitCode == 1 }, "\(strict.datums)")
    }

    @Test("in the sandbox too, an output name that is not UTF-8 or a symlink to / fails the datum")
    func unstorableOutputs() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/raw/b.txt": "b\n"])
        try project.commit()
        let cmd = "if [ $(ls /pfs/raw) = a.txt ]; then echo 1 > \"/pfs/out/$(printf 'caf\\351.csv')\"; else ln -s / /pfs/out/root; fi"
        try project.create(try Self.spec("bad", cmd: cmd))
        let job = try project.run("bad")
        #expect(job.state == .failed)
        let errors = job.datums.map { $0.error ?? "" }.sorted()
        #expect(errors.count == 2 && errors[0].contains("output /pfs/out/caf\\xe9.csv cannot be stored: the name is not valid UTF-8")
                && errors[1].contains("output /pfs/out/root cannot be stored: it is a symlink to /, neither inside /pfs/out"), "\(errors)")
    }
}
