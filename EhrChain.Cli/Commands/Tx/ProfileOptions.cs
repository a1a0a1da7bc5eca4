using System.CommandLine;
using EhrChain.Cli.Output;
using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>
/// The profile options: a name for everyone, a doctor's licence, specialty and organisation, a
/// laboratory's organisation and accreditation, a pharmacist's organisation and registration number. The contract only ever sees the profile sealed,
/// so it cannot check these: the CLI refuses (exit 2) a flag that does not apply to the role and
/// an enrolment that leaves out a detail the role needs.
/// </summary>
internal sealed class ProfileOptions
{
    public const int MaxTextLength = 200;

    private readonly Option<string?> _name;
    private readonly Option<string?> _licence = new("--licence") { Description = "Doctor: licence number." };
    private readonly Option<string?> _specialty = new("--specialty") { Description = "Doctor: specialty." };
    private readonly Option<string?> _organisation = new("--organisation") { Description = "Doctor, laboratory or pharmacist: organisation." };
    private readonly Option<string?> _accreditation = new("--accreditation") { Description = "Laboratory: accreditation." };
    private readonly Option<string?> _registration = new("--registration") { Description = "Pharmacist: registration number." };

    public ProfileOptions(bool nameRequired) =>
        _name = new Option<string?>("--name") { Description = nameRequired ? "Display name (sealed: only the profile's readers see it)." : "New display name.", Required = nameRequired };

    public void AddTo(Command command)
    {
        command.Options.Add(_name);
        command.Options.Add(_licence);
        command.Options.Add(_specialty);
        command.Options.Add(_organisation);
        command.Options.Add(_accreditation);
        command.Options.Add(_registration);
    }

    /// <summary>Whether any profile option was given.</summary>
    public bool AnyGiven(ParseResult parse) => Given(parse).Any();

    /// <summary>The profile of a new participant: every detail the role needs, nothing it does not.</summary>
    public Profile Build(ParseResult parse, ParticipantRole role)
    {
        var profile = Merge(parse, role, current: null);
        var missing = role switch
        {
            ParticipantRole.Doctor => Missing((_licence, profile.Doctor.LicenceNumber), (_specialty, profile.Doctor.Specialty), (_organisation, profile.Doctor.Organisation)),
            ParticipantRole.Laboratory => Missing((_organisation, profile.Laboratory.Organisation), (_accreditation, profile.Laboratory.Accreditation)),
            ParticipantRole.Pharmacist => Missing((_organisation, profile.Pharmacist.Organisation), (_registration, profile.Pharmacist.RegistrationNumber)),
            _ => [],
        };
        if (string.IsNullOrWhiteSpace(profile.Name))
        {
            missing = ["--name", .. missing];
        }
        return missing.Count == 0
            ? profile
            : throw new CliException($"a {RoleName(role)} needs {string.Join(", ", missing)}.") { ExitCode = ExitCodes.Usage };
    }

    /// <summary>The current profile (or an empty one) with the given options laid over it; options the role has no use for are refused.</summary>
    public Profile Merge(ParseResult parse, ParticipantRole role, Profile? current)
    {
        var allowed = role switch
        {
            ParticipantRole.Doctor => new Option[] { _name, _licence, _specialty, _organisation },
            ParticipantRole.Laboratory => [_name, _organisation, _accreditation],
            ParticipantRole.Pharmacist => [_name, _organisation, _registration],
            _ => [_name],
        };
        if (Given(parse).Where(o => !allowed.Contains(o)).Select(o => o.Name).ToList() is { Count: > 0 } misplaced)
        {
            throw new CliException($"{string.Join(", ", misplaced)} {(misplaced.Count == 1 ? "does" : "do")} not apply to a {RoleName(role)}.") { ExitCode = ExitCodes.Usage };
        }
        foreach (var option in Given(parse))
        {
            if (parse.GetValue((Option<string?>)option) is { Length: > MaxTextLength })
            {
                throw new CliException($"{option.Name} is longer than {MaxTextLength} characters.") { ExitCode = ExitCodes.Usage };
            }
        }

        var profile = current?.Clone() ?? new Profile();
        profile.Name = parse.GetValue(_name) ?? profile.Name;
        switch (role)
        {
            case ParticipantRole.Doctor:
                var doctor = profile.Doctor ?? new DoctorProfile();
                doctor.LicenceNumber = parse.GetValue(_licence) ?? doctor.LicenceNumber;
                doctor.Specialty = parse.GetValue(_specialty) ?? doctor.Specialty;
                doctor.Organisation = parse.GetValue(_organisation) ?? doctor.Organisation;
                profile.Doctor = doctor;
                break;
            case ParticipantRole.Laboratory:
                var laboratory = profile.Laboratory ?? new LaboratoryProfile();
                laboratory.Organisation = parse.GetValue(_organisation) ?? laboratory.Organisation;
                laboratory.Accreditation = parse.GetValue(_accreditation) ?? laboratory.Accreditation;
                profile.Laboratory = laboratory;
                break;
            case ParticipantRole.Pharmacist:
                var pharmacist = profile.Pharmacist ?? new PharmacistProfile();
                pharmacist.Organisation = parse.GetValue(_organisation) ?? pharmacist.Organisation;
                pharmacist.RegistrationNumber = parse.GetValue(_registration) ?? pharmacist.RegistrationNumber;
                profile.Pharmacist = pharmacist;
                break;
        }
        return profile;
    }

    public static string RoleName(ParticipantRole role) => Query.Roles.Name(role);

    private IEnumerable<Option> Given(ParseResult parse) =>
        new Option<string?>[] { _name, _licence, _specialty, _organisation, _accreditation, _registration }.Where(o => parse.GetResult(o) is { Implicit: false });

    private static List<string> Missing(params (Option<string?> Option, string Value)[] details) =>
        details.Where(d => string.IsNullOrWhiteSpace(d.Value)).Select(d => d.Option.Name).ToList();
}
