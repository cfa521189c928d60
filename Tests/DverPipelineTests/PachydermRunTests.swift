@testable import DverPipeline
import DverCore
import DverSystem
import Foundation
import Testing

/// Pachyderm specs from the corpus run unchanged under bubblewrap (busybox standing in for
/// their images), with the outputs Pachyderm's semantics give.
@Suite("Pachyderm specs run end to end", .enabled(if: Tools.bwrap, "needs bwrap and busybox-static (scripts/test.sh installs them)"), .serialized)
struct PachydermRunTests {
    /// Creates the pipelines of a corpus file, its image replaced by the busybox rootfs.
    @discardableResult
    static func create(_ file: String, in project: PipelineProject, replacing extra: [String: String] = [:]) throws -> [StoredPipeline] {
        var text = try PachydermCorpusTests.text(file).replacingOccurrences(of: "localhost/busybox:1.36", with: try Busybox.sharedRootfs.get())
        for (old, new) in extra { text = text.replacingOccurrences(of: old, with: new) }
        try project.write("pipelines/\(file)", text)
        return try project.runner.catalog.createAll(file: project.path("pipelines/\(file)"), displayName: file, project: project.project)
    }

    /// Commits the input repos and runs the pipelines downstream, as `dver commit` does.
    static func commit(_ project: PipelineProject, _ repos: [String]) throws -> [JobRecord] {
        let jobs = try project.commitAndTrigger("data", repos.map { "data/\($0)" })
        for job in jobs { #expect(job.state == .succeeded, "\(job.pipeline): \(job.error ?? "")") }
        return jobs
    }

    /// A project whose input repos hold `files` (committed before the pipelines exist, as
    /// Pachyderm's examples put files in the repos first).
    static func project(_ files: [String: String]) throws -> PipelineProject {
        let project = try PipelineProject.make(files)
        let repos = Set(files.keys.map { $0.split(separator: "/")[1] }).sorted().map { "data/\($0)" }
        try project.commit("inputs", repos)
        return project
    }

    /// Runs every pipeline downstream of `repos`, in order.
    static func run(_ project: PipelineProject, _ repos: [String]) throws -> [JobRecord] {
        let jobs = try project.runner.runDownstream(of: repos.map { ($0, "main") })
        for job in jobs { #expect(job.state == .succeeded, "\(job.pipeline): \(job.error ?? "")") }
        return jobs
    }

    @Test("word count: map writes per-datum counts, reduce sums them; one changed document re-runs one map datum")
    func wordCount() throws {
        let project = try Self.project(["data/documents/a.txt": "The cat and the hat.\n", "data/documents/b.txt": "the dog, the CAT\n"])
        let created = try Self.create("word_count.pipeline.json", in: project)
        #expect(created.map(\.name) == ["map", "reduce"])
        let jobs = try Self.run(project, ["documents"])
        #expect(jobs.map(\.pipeline) == ["map", "reduce"] && jobs.allSatisfy { $0.runtime == "bwrap" })
        #expect(try project.files("reduce") == ["the": "4\n", "cat": "2\n", "and": "1\n", "hat": "1\n", "dog": "1\n"])
        let map = try project.files("map")
        #expect(map.count == 7 && Set(map.keys.map { String($0.split(separator: "/")[0]) }).count == 2)

        try project.write("data/documents/b.txt", "a dog\n")
        let again = try Self.commit(project, ["documents"])
        #expect(again.first?.count(.succeeded) == 1 && again.first?.count(.skipped) == 1)
        #expect(try project.files("reduce") == ["the": "2\n", "cat": "1\n", "and": "1\n", "hat": "1\n", "dog": "1\n", "a": "1\n"])
    }

    @Test("inner join: stores with purchases, matched on the store id; unmatched files run nowhere")
    func innerJoin() throws {
        let project = try Self.project([
            "data/stores/STOREID1.txt": "store 1\n", "data/stores/STOREID2.txt": "store 2\n",
            "data/purchases/P1_STOREID1.txt": "p1\n", "data/purchases/P2_STOREID2.txt": "p2\n",
            "data/purchases/P3_STOREID1.txt": "p3\n", "data/purchases/P4_STOREID3.txt": "p4\n",
        ])
        try Self.create("inner_join.pipeline.json", in: project)
        let jobs = try Self.run(project, ["stores"])
        #expect(jobs.last?.datums.count == 3)
        #expect(try project.files("inner_join") == ["1/P1_STOREID1.txt": "store 1\np1\n", "1/P3_STOREID1.txt": "store 1\np3\n",
                                                    "2/P2_STOREID2.txt": "store 2\np2\n"])
    }

    @Test("outer join: matched pairs run together, the rest of both outer inputs run alone")
    func outerJoin() throws {
        let project = try Self.project([
            "data/stores/STOREID1.txt": "s1\n", "data/stores/STOREID2.txt": "s2\n", "data/stores/STOREID4.txt": "s4\n",
            "data/returns/R1_STOREID1.txt": "r1\n", "data/returns/R2_STOREID3.txt": "r2\n",
        ])
        try Self.create("outer_join.pipeline.yaml", in: project)
        let jobs = try Self.run(project, ["stores"])
        #expect(jobs.last?.datums.count == 4)
        #expect(try project.files("outer_join") == [
            "1.txt": "stores=STOREID1.txt returns=R1_STOREID1.txt\n", "2.txt": "stores=STOREID2.txt returns=\n",
            "3.txt": "stores= returns=R2_STOREID3.txt\n", "4.txt": "stores=STOREID4.txt returns=\n",
        ])
    }

    @Test("group: one datum per hospital, holding all of its lab results")
    func group() throws {
        let project = try Self.project(["data/labresults/T1-CLIA10.txt": "t1\n", "data/labresults/T2-CLIA20.txt": "t2\n",
                                                "data/labresults/T3-CLIA10.txt": "t3\n"])
        try Self.create("group.pipeline.json", in: project)
        let jobs = try Self.run(project, ["labresults"])
        #expect(jobs.first?.datums.map(\.inputs) == [["labresults:/T1-CLIA10.txt", "labresults:/T3-CLIA10.txt"], ["labresults:/T2-CLIA20.txt"]])
        #expect(try project.files("lab_group_by_hospital") == ["10/T1-CLIA10.txt": "t1\n", "10/T3-CLIA10.txt": "t3\n", "20/T2-CLIA20.txt": "t2\n"])
    }

    @Test("shuffle: inputs appear as empty files; links to them in /pfs/out store the real content")
    func shuffle() throws {
        let project = try Self.project(["data/fruits/apple.jpeg": "APPLE-IMAGE", "data/fruits/mango.jpeg": "MANGO-IMAGE",
                                                "data/pricing/apple.json": "{\"price\": 1}", "data/pricing/mango.json": "{\"price\": 2}"])
        try Self.create("shuffle.pipeline.json", in: project)
        _ = try Self.run(project, ["fruits"])
        #expect(try project.files("shuffle") == [
            "apple/img.jpeg": "APPLE-IMAGE", "apple/img.seen-size": "0\n", "apple/cost.json": "{\"price\": 1}",
            "mango/img.jpeg": "MANGO-IMAGE", "mango/img.seen-size": "0\n", "mango/cost.json": "{\"price\": 2}",
        ])
    }

    static let errCmdSpec = """
        {
          "pipeline": {"name": "careful"},
          "input": {"pfs": {"repo": "raw", "glob": "/*"}},
          "transform": {
            "image": "ROOTFS",
            "cmd": ["sh", "-c", "v=$(cat $raw); if [ $v = bad ]; then echo partial > /pfs/out/partial; exit 3; fi; env | grep -E '^(raw|raw_COMMIT|PACH_JOB_ID|PACH_DATUM_ID|PACH_OUTPUT_COMMIT_ID|PPS_PIPELINE_NAME)=' | sort > /pfs/out/$v.env; if [ $v = warn ]; then exit 4; fi"],
            "errCmd": ["sh", "-c", "echo handling $raw; exit 0"],
            "acceptReturnCode": [4]
          }
        }
        """

    @Test("err_cmd recovers a failing datum (no output, job succeeds, runs again next job); accept_return_code; Pachyderm's variables")
    func errCmdAndEnvironment() throws {
        let project = try PipelineProject.make(["data/raw/a": "good", "data/raw/b": "bad", "data/raw/c": "warn"])
        let head = try project.commit("data").commits.first?.commit.hex
        try project.write("pipelines/careful.json", Self.errCmdSpec.replacingOccurrences(of: "ROOTFS", with: try Busybox.sharedRootfs.get()))
        try project.runner.catalog.createAll(file: project.path("pipelines/careful.json"), project: project.project)
        let job = try project.run("careful")
        #expect(job.state == .succeeded, "\(job.error ?? "")")
        let bad = try #require(job.datums.first { $0.inputs == ["raw:/b"] })
        #expect(bad.state == .recovered && bad.attempts == 3 && bad.exitCode == 3)
        #expect(job.summary.contains("1 recovered"))
        let log = try FileSystem.readText(project.runner.jobs.logPath(job: job.id, datum: bad.id))
        #expect(log.contains("handling /pfs/raw/b") && log.contains("err_cmd succeeded"))
        let files = try project.files("careful")
        #expect(Set(files.keys) == ["good.env", "warn.env"])
        let good = try #require(job.datums.first { $0.inputs == ["raw:/a"] })
        #expect(files["good.env"] == """
            PACH_DATUM_ID=\(good.id)
            PACH_JOB_ID=\(job.id)
            PACH_OUTPUT_COMMIT_ID=\(job.id)
            PPS_PIPELINE_NAME=careful
            raw=/pfs/raw/a
            raw_COMMIT=\(head ?? "?")

            """)
        let second = try project.run("careful")
        #expect(second.count(.skipped) == 2 && second.count(.recovered) == 1)
    }

    @Test("secrets: env_var from a variable, mount_path from the secrets directory; user sets the uid")
    func secretsAndUser() throws {
        let project = try PipelineProject.make(["data/raw/a": "x"])
        try project.commit("data")
        let secrets = project.path("secrets")
        try project.write("secrets/tls/cert.pem", "CERT")
        project.runner.secretStore = SecretStore(environment: ["DVER_SECRET_DB_PASSWORD": "hunter2"], directory: secrets)
        let spec = """
            pipeline: {name: secretive}
            input: {pfs: {repo: raw, glob: "/*"}}
            transform:
              image: \(try Busybox.sharedRootfs.get())
              cmd: [sh, -c, "echo $DB_PASSWORD > /pfs/out/password; cat /secrets/tls/cert.pem > /pfs/out/cert; id -u > /pfs/out/uid"]
              secrets: [{name: db, key: password, env_var: DB_PASSWORD}, {name: tls, mount_path: /secrets/tls}]
              user: "1234:1234"
            """
        try project.create(spec)
        let job = try project.run("secretive")
        #expect(job.state == .succeeded, "\(job.error ?? "")")
        #expect(try project.files("secretive") == ["password": "hunter2\n", "cert": "CERT", "uid": "1234\n"])
        let record = try FileSystem.readText(project.runner.jobs.recordPath(job.id))
        #expect(!record.contains("hunter2"))

        project.runner.secretStore = SecretStore(environment: [:], directory: secrets)
        let failed = try project.run("secretive")
        #expect(failed.state == .failed && (failed.error ?? "").contains("DVER_SECRET_DB_PASSWORD"), "\(failed.error ?? "")")
    }
}
