using EhrChain.Cli;

return await CliApp.RunAsync(args);
