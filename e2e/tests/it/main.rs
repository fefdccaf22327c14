mod deploy_files;
mod slice;
mod stack;
