// Stylesheets are bundled by vite; importing one has no value.
declare module '*.css';
