namespace Mxcp.IntegrationTests.Support;

/// <summary>A project whose tools exercise every policy action, fail-closed evaluation and the user-context SQL functions.</summary>
public sealed class PolicyProjectFixture : IDisposable
{
    private readonly Lazy<TestProject> _project = new(Create);

    internal TestProject Project => _project.Value;

    private static TestProject Create()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: hr\nprofile: dev\n");
        project.Write("tools/employee_info.yml", """
            mxcp: 1
            tool:
              name: employee_info
              description: One employee.
              parameters:
                - {name: employee_id, type: string, description: Employee id}
              return:
                type: object
                properties:
                  id: {type: string}
                  name: {type: string}
                  salary: {type: number, sensitive: true}
                  ssn: {type: string, sensitive: true}
                  department: {type: string}
                  email: {type: string}
                  manager:
                    type: object
                    properties:
                      name: {type: string}
                      phone: {type: string, sensitive: true}
              source:
                code: >
                  select $employee_id as id, 'Ann Smith' as name, 95000.5 as salary, '123-45-6789' as ssn,
                         'engineering' as department, 'ann@corp.example' as email,
                         {'name': 'Bob', 'phone': '+1 555 0100'} as manager
              policies:
                input:
                  - condition: "user.role == 'guest'"
                    action: deny
                    reason: Guests cannot view employee data
                  - condition: "employee_id == 'ceo' && user.role != 'admin'"
                    action: deny
                    reason: Only admins can view the CEO
                output:
                  - condition: "user.role != 'admin'"
                    action: filter_sensitive_fields
                  - condition: "!('hr' in user.permissions)"
                    action: mask_fields
                    fields: [email]
                  - condition: "response.department == 'secret'"
                    action: deny
                    reason: Secret department
            """);
        project.Write("tools/own_record.yml", """
            mxcp: 1
            tool:
              name: own_record
              description: Only the caller's own record.
              parameters:
                - {name: customer_id, type: string, description: Customer id}
              return: {type: object, properties: {customer_id: {type: string}}}
              source: {code: "select $customer_id as customer_id"}
              policies:
                input:
                  - condition: "user.user_id != customer_id"
                    action: deny
                    reason: Not your record
            """);
        project.Write("tools/team_report.yml", """
            mxcp: 1
            tool:
              name: team_report
              description: A rule that reads a claim the user object does not have (only role, permissions, ... are exposed).
              parameters:
                - {name: team, type: string, description: Team}
              return: {type: object, properties: {team: {type: string}}}
              source: {code: "select $team as team"}
              policies:
                input:
                  - condition: "user.team != team"
                    action: deny
                    reason: Not your team
            """);
        project.Write("tools/whoami.yml", """
            mxcp: 1
            tool:
              name: whoami
              description: The caller as the SQL user-context functions see it.
              return:
                type: object
                properties:
                  username: {type: string, nullable: true}
                  email: {type: string, nullable: true}
                  provider: {type: string, nullable: true}
                  team: {type: string, nullable: true}
              source:
                code: >
                  select get_username() as username, get_user_email() as email,
                         get_user_provider() as provider, get_request_header('X-Team') as team
            """);
        return project;
    }

    public void Dispose()
    {
        if (_project.IsValueCreated)
        {
            _project.Value.Dispose();
        }
    }
}
