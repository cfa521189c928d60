import Foundation
import Testing

/// Pachyderm spec files through the `dver` binary: several pipelines in one JSON file, notes
/// for fields without effect, egress, err_cmd's recovered datums, cron ticks.
@Suite("CLI: Pachyderm specs")
struct PachydermCommandTests {
    static let specs = """
        {
          "pipeline": {"name": "clean"},
          "input": {"pfs": {"repo": "raw", "glob": "/*"}},
          "transform": {
            "cmd": ["sh", "-c", "v=$(cat $raw); if [ \\"$v\\" = bad ]; then exit 1; fi; tr a-z A-Z < $raw > $DVER_OUTPUT/$(basename $raw)"],
            "errCmd": ["sh", "-c", "exit 0"]
          },
          "runtime": "local",
          "datumTries": 1,
          "autoscaling": true
        }
        {
          "pipeline": {"name": "export"},
          "input": {"pfs": {"repo": "clean", "glob": "/"}},
          "transform": {"cmd": ["sh", "-c", "cp -r $clean/. $DVER_OUTPUT/"]},
          "runtime": "local",
          "egress": {"URL": "EGRESS"}
        }
        """

    @Test("a two-pipeline JSON file: created in order with notes; err_cmd recovers; egress copies the output out")
    func createRunEgress() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "apple\n")
        try project.write("data/raw/b.txt", "bad")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "raw", "--no-trigger"])
        try project.write("specs.json", Self.specs.replacingOccurrences(of: "EGRESS", with: project.path("exported")))
        let created = project.run(["pipeline", "create", "specs.json"]).stdout
        #expect(created.contains("Created pipeline 'clean'") && created.contains("Created pipeline 'export'"))
        #expect(created.contains("note: autoscaling has no effect"))
        let jobs = try #require(try project.run(["pipeline", "run", "clean", "--json"]).jsonArray().first)
        #expect(jobs["state"] as? String == "succeeded" && jobs["recovered"] as? Int == 1, "\(jobs)")
        let export = try #require(try project.run(["pipeline", "run", "export", "--json"]).jsonArray().first)
        #expect(export["state"] as? String == "succeeded", "\(export)")
        #expect(try project.read("exported/a.txt") == Array("APPLE\n".utf8))
        #expect(!project.exists("exported/b.txt"))
        let inspect = project.run(["job", "inspect", try #require(export["id"] as? String)]).stdout
        #expect(inspect.contains("egress: copied 1 file ("))
    }

    @Test("pipeline tick: a cron repo gets a tick, and the pipeline runs on it")
    func tick() throws {
        let project = try TestProject()
        try project.write("cron.yaml", """
            pipeline: {name: report}
            input: {cron: {name: tick, spec: "@daily"}}
            transform: {cmd: [sh, -c, "ls $DVER_PFS/tick > $DVER_OUTPUT/ticks"]}
            runtime: local
            """)
        #expect(project.run(["pipeline", "create", "cron.yaml"]).stdout.contains("reading report_tick"))
        #expect(project.run(["pipeline", "tick"]).stdout.contains("report/tick: no tick due"))
        let ticked = try project.run(["pipeline", "tick", "report", "--now", "--json"]).jsonObject()
        let ticks = try #require(ticked["ticks"] as? [[String: Any]])
        #expect((ticks.first?["ticks"] as? [String])?.count == 1 && ticks.first?["repo"] as? String == "report_tick")
        let jobs = try #require(ticked["jobs"] as? [[String: Any]])
        #expect(jobs.first?["state"] as? String == "succeeded" && jobs.first?["trigger"] as? String == "cron")
        #expect(String(decoding: try project.read("data/report/ticks"), as: UTF8.self).hasSuffix("Z\n"))
    }
}
