@testable import DverPipeline
import DverCore
import DverRepository
import DverSystem
import Foundation
import Testing

/// Job-level semantics of Pachyderm's fields, with the local runtime (no sandbox needed):
/// branches, pinned commits, reprocess_spec, salt, job_timeout, cron ticks.
@Suite("Pachyderm semantics of jobs")
struct PachydermJobTests {
    static func spec(_ name: String, input: String, cmd: String, extra: String = "") -> String {
        """
        pipeline: {name: \(name)}
        input: \(input)
        transform:
          cmd: ["sh", "-c", \(PipelineProject.jsonString(cmd))]
        runtime: local
        \(extra)
        """
    }

    @Test("a branch the input repo lacks is an error naming the branches it has, not an empty success")
    func missingBranch() throws {
        let project = try PipelineProject.make(["data/raw/a": "a"])
        try project.commit()
        try project.create(Self.spec("copy", input: "{pfs: {repo: raw, branch: master}}", cmd: "cp $raw $DVER_OUTPUT/"))
        let error = try #require(throws: PipelineError.self) { try project.run("copy") }
        #expect(error.description.contains("reads branch 'master' of repo 'raw', which has no such branch (it has: main)"))
        #expect(error.description.contains("Pachyderm's is master"))
        #expect(try project.headCommit("copy") == nil)
    }

    @Test("a pinned commit is read whatever the branch does, and commits to the branch do not trigger it")
    func pinnedCommit() throws {
        let project = try PipelineProject.make(["data/raw/a": "first"])
        let first = try #require(try project.commit().commits.first?.commit)
        try project.write("data/raw/a", "second")
        try project.commit()
        try project.create(Self.spec("pinned", input: "{pfs: {repo: raw, commit: \(first.hex.prefix(10))}}", cmd: "cp $raw $DVER_OUTPUT/"))
        let job = try project.run("pinned")
        #expect(job.state == .succeeded && job.inputs.first?.commit == first.hex, "\(job.error ?? "")")
        #expect(try project.files("pinned") == ["a": "first"])
        try project.write("data/raw/a", "third")
        #expect(try project.commitAndTrigger().isEmpty)
    }

    @Test("reprocess_spec every_job runs every datum again; salt changes every datum's key")
    func reprocessAndSalt() throws {
        let project = try PipelineProject.make(["data/raw/a": "a", "data/raw/b": "b"])
        try project.commit()
        try project.create(Self.spec("again", input: "{pfs: {repo: raw}}", cmd: "cp $raw $DVER_OUTPUT/", extra: "reprocess_spec: every_job"))
        _ = try project.run("again")
        #expect(try project.run("again").count(.succeeded) == 2)

        try project.create(Self.spec("salted", input: "{pfs: {repo: raw}}", cmd: "cp $raw $DVER_OUTPUT/", extra: "salt: one"), file: "salted.yaml")
        let first = try project.run("salted")
        #expect(try project.run("salted").count(.skipped) == 2)
        try project.write("pipelines/salted.yaml", Self.spec("salted", input: "{pfs: {repo: raw}}", cmd: "cp $raw $DVER_OUTPUT/", extra: "salt: two"))
        try project.runner.catalog.update(file: project.path("pipelines/salted.yaml"), project: project.project)
        let resalted = try project.run("salted")
        #expect(resalted.count(.succeeded) == 2)
        #expect(Set(resalted.datums.map(\.id)).isDisjoint(with: first.datums.map(\.id)))
    }

    @Test("job_timeout stops the job: running datums are killed, the rest do not start, the job fails")
    func jobTimeout() throws {
        let project = try PipelineProject.make(["data/raw/a": "a", "data/raw/b": "b", "data/raw/c": "c"])
        try project.commit()
        try project.create(Self.spec("slow", input: "{pfs: {repo: raw}}", cmd: "sleep 30", extra: "job_timeout: 1s\ndatum_tries: 1"))
        let start = Date()
        let job = try project.run("slow")
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(job.state == .failed)
        #expect(job.datums.first?.error?.contains("job_timeout") == true, "\(job.datums)")
        #expect(job.datums.dropFirst().allSatisfy { ($0.error ?? "").contains("job_timeout ran out before") }, "\(job.datums)")
    }

    @Test("cron: due ticks are written as empty files named by their time; each job runs the new tick")
    func cronTicks() throws {
        let project = try PipelineProject.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let stored = try project.create(Self.spec("report", input: "{cron: {name: tick, spec: \"@every 60s\", start: \"\(CronSchedule.tickName(start))\"}}",
                                                  cmd: "ls $DVER_PFS/tick > $DVER_OUTPUT/$(basename $tick).seen"))
        #expect(stored.spec.inputRepos == ["report_tick"] && (try? project.project.repo(named: "report_tick")) != nil)

        let first = try project.runner.tick([], now: start.addingTimeInterval(150))
        #expect(first.ticks.map(\.ticks) == [["2027-01-15T08:01:00Z", "2027-01-15T08:02:00Z"]])
        #expect(first.jobs.count == 1 && first.jobs.first?.count(.succeeded) == 2)
        #expect(try project.files("report_tick") == ["2027-01-15T08:01:00Z": "", "2027-01-15T08:02:00Z": ""])

        let idle = try project.runner.tick(["report"], now: start.addingTimeInterval(170))
        #expect(idle.ticks.first?.ticks == [] && idle.jobs.isEmpty)

        let next = try project.runner.tick(["report"], now: start.addingTimeInterval(185))
        #expect(next.ticks.first?.ticks == ["2027-01-15T08:03:00Z"])
        #expect(next.jobs.first?.count(.succeeded) == 1 && next.jobs.first?.count(.skipped) == 2)
        #expect(try project.files("report").count == 3)

        let forced = try project.runner.tick(["report"], now: start.addingTimeInterval(190), force: true)
        #expect(forced.ticks.first?.ticks == ["2027-01-15T08:03:10Z"])
    }

    @Test("cron overwrite: the repo holds only the latest tick, and the output only its datum's files")
    func cronOverwrite() throws {
        let project = try PipelineProject.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try project.create(Self.spec("latest", input: "{cron: {name: tick, spec: \"*/1 * * * *\", overwrite: true, start: \"\(CronSchedule.tickName(start))\"}}",
                                     cmd: "touch $DVER_OUTPUT/$(basename $tick)"))
        _ = try project.runner.tick([], now: start.addingTimeInterval(200))
        #expect(try project.files("latest_tick") == ["2027-01-15T08:03:00Z": ""])
        _ = try project.runner.tick([], now: start.addingTimeInterval(280))
        #expect(try project.files("latest_tick") == ["2027-01-15T08:04:00Z": ""])
        #expect(try project.files("latest") == ["2027-01-15T08:04:00Z": ""])
    }

    @Test("a multi-pipeline file is created in dependency order, each with its own document")
    func multiPipelineFile() throws {
        let project = try PipelineProject.make(["data/raw/a": "a"])
        try project.commit()
        let text = """
            ---
            \(Self.spec("second", input: "{pfs: {repo: first}}", cmd: "cp $first $DVER_OUTPUT/"))
            ---
            \(Self.spec("first", input: "{pfs: {repo: raw}}", cmd: "cp $raw $DVER_OUTPUT/"))
            """
        try project.write("pipelines/both.yaml", text)
        let created = try project.runner.catalog.createAll(file: project.path("pipelines/both.yaml"), project: project.project)
        #expect(created.map(\.name) == ["first", "second"])
        #expect(created[0].sourceYAML.contains("name: first") && !created[0].sourceYAML.contains("name: second"))
        let jobs = try project.runner.runDownstream(of: [("raw", "main")])
        #expect(jobs.map(\.pipeline) == ["first", "second"] && jobs.allSatisfy { $0.state == .succeeded })
        #expect(try project.files("second") == ["a": "a"])

        // A name twice, or a name that exists, and nothing is created.
        try project.write("pipelines/dup.yaml", text.replacingOccurrences(of: "name: first", with: "name: third")
            .replacingOccurrences(of: "name: second", with: "name: third"))
        #expect(throws: PipelineError.self) { try project.runner.catalog.createAll(file: project.path("pipelines/dup.yaml"), project: project.project) }
        #expect(throws: PipelineError.self) { try project.runner.catalog.createAll(file: project.path("pipelines/both.yaml"), project: project.project) }
        #expect(try project.runner.catalog.all().map(\.name) == ["first", "second"])
    }
}
