using System.CommandLine;
using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>The role profile options: a doctor's licence, specialty and organisation; a laboratory's organisation and accreditation.</summary>
internal sealed class ProfileOptions
{
    private readonly Option<string?> _licence = new("--licence") { Description = "Doctor: licence number." };
    private readonly Option<string?> _specialty = new("--specialty") { Description = "Doctor: specialty." };
    private readonly Option<string?> _organisation = new("--organisation") { Description = "Doctor or laboratory: organisation." };
    private readonly Option<string?> _accreditation = new("--accreditation") { Description = "Laboratory: accreditation." };

    public void AddTo(Command command)
    {
        command.Options.Add(_licence);
        command.Options.Add(_specialty);
        command.Options.Add(_organisation);
        command.Options.Add(_accreditation);
    }

    public Profile Build(ParseResult parse, ParticipantRole role, string name) =>
        Merge(parse, role, new Profile(), name);

    /// <summary>The current profile with whatever options were given laid over it.</summary>
    public Profile Merge(ParseResult parse, ParticipantRole role, Profile? current, string? name)
    {
        var profile = current?.Clone() ?? new Profile();
        if (name is not null)
        {
            profile.Name = name;
        }
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
        }
        return profile;
    }
}
